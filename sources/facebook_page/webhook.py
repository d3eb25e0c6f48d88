"""The Page `feed` webhook, without the web server: verification, signatures, payload → items.

    verify_subscription(query, verify_token)  GET hub.mode=subscribe&hub.verify_token=…&
                                              hub.challenge=… → the challenge to echo, or None
    signature_valid(raw_body, header, app_secret)
                                              X-Hub-Signature-256: sha256=<hex HMAC of the RAW
                                              body keyed with the app secret>, compared in
                                              constant time
    parse_delivery(raw_body, page_id)         → WebhookChange per post or comment change of the
                                              Page, each with an Item built exactly as a poll
                                              builds it (same external_id), so a delivery and a
                                              later poll of the same comment are one mention
    apply_change(change, stored)              → what the mention becomes: the item of an `add`
                                              not stored yet; the stored item with the new text
                                              (`edited`) or visibility (`hide`, `unhide`,
                                              `remove`); None when there is nothing to write
    PageReceiver.of(config)                   the four above for one Page source, as the
                                              adapter's declared webhook (sources.capabilities)

Reactions and likes carry no text and are skipped, as is a change for another Page. A removal
keeps the stored text (the school's evidence) and marks the mention removed, for good: a late
or repeated delivery of an earlier verb does not bring it back. The web app that stores the
items is `monitor.service.webhook` (sources/ knows nothing of the database).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from monitor.config.secrets import Secret
from monitor.model import Item, Visibility
from sources.facebook_page.config import FacebookPageConfig
from sources.facebook_page.items import comment_item, post_item
from sources.facebook_page.parse import GRAPH, Comment, Post, parse_author

POST_ITEMS = frozenset({"status", "post", "photo", "video", "share"})
SIGNATURE_PREFIX = "sha256="
ADD, EDITED, REMOVE, HIDE, UNHIDE = "add", "edited", "remove", "hide", "unhide"
# Meta's list of verbs is longer than the ones seen in captured payloads; the other spellings
# of the same changes are read as them. The rest (block, mute, follow, ...) change no words.
VERBS = {
    ADD: ADD,
    EDITED: EDITED,
    "edit": EDITED,
    "update": EDITED,
    REMOVE: REMOVE,
    "delete": REMOVE,
    HIDE: HIDE,
    UNHIDE: UNHIDE,
}
VISIBILITY_OF = {
    HIDE: Visibility.HIDDEN,
    UNHIDE: Visibility.VISIBLE,
    REMOVE: Visibility.REMOVED,
}


@dataclass(frozen=True, slots=True)
class WebhookChange:
    """One change of a delivery: what happened (`verb`) and the item it concerns.

    `item` is built from the delivery alone; `has_message` is False when the delivery carried
    no `message` (a removal; some hides), so its empty text says nothing about the item's words.
    """

    verb: str
    item: Item
    has_message: bool = True

    def apply(self, stored: Item | None) -> Item | None:
        """What the mention stored as `stored` becomes (apply_change); None: nothing to write."""
        return apply_change(self, stored)


@dataclass(frozen=True, slots=True)
class PageReceiver:
    """A Page source's end of Meta's webhook (a sources.capabilities.WebhookReceiver)."""

    page_id: str
    app_secret: Secret
    verify_token: Secret

    @classmethod
    def of(cls, config: FacebookPageConfig) -> PageReceiver | None:
        """The receiver for `config`; None unless both webhook secrets are set."""
        app_secret, verify_token = config.secret("app_secret"), config.secret("verify_token")
        if app_secret is None or verify_token is None:
            return None
        return cls(config.page_id, app_secret, verify_token)

    def verify(self, query: Mapping[str, str]) -> str | None:
        """Meta's subscription handshake: the challenge to echo, or None (verify_subscription)."""
        return verify_subscription(query, self.verify_token)

    def authentic(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """X-Hub-Signature-256 is the body's HMAC with the app secret (signature_valid)."""
        return signature_valid(body, headers.get("X-Hub-Signature-256"), self.app_secret)

    def changes(self, body: bytes) -> list[WebhookChange]:
        """The Page's post and comment changes in the delivery (parse_delivery)."""
        return parse_delivery(body, self.page_id)


def verify_subscription(query: Mapping[str, str], verify_token: Secret) -> str | None:
    """The `hub.challenge` to echo when the mode is subscribe and the token matches, else None."""
    if query.get("hub.mode") != "subscribe":
        return None
    given = query.get("hub.verify_token", "")
    if not hmac.compare_digest(given.encode(), verify_token.reveal().encode()):
        return None
    challenge = query.get("hub.challenge")
    return challenge or None


def signature_valid(body: bytes, header: str | None, app_secret: Secret) -> bool:
    """True when `header` is the sha256 HMAC of the raw `body` keyed with the app secret."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(app_secret.reveal().encode(), body, hashlib.sha256).hexdigest()
    given = header[len(SIGNATURE_PREFIX) :].strip().lower()
    return hmac.compare_digest(given.encode(), expected.encode())


def parse_delivery(body: bytes, page_id: str) -> list[WebhookChange]:
    """The post and comment changes of one delivery for `page_id`; SourceFormatError if garbled."""
    payload = GRAPH.mapping(GRAPH.loads(body, "webhook delivery"), "webhook delivery")
    if payload.get("object") != "page":
        raise GRAPH.fail("webhook delivery: object is not 'page'")
    changes: list[WebhookChange] = []
    for index, entry_value in enumerate(GRAPH.sequence(payload.get("entry"), "entry")):
        entry = GRAPH.mapping(entry_value, f"entry[{index}]")
        if str(entry.get("id")) != page_id:
            continue  # another Page subscribed to the same app
        raw_changes = GRAPH.optional_sequence(entry.get("changes"), f"entry[{index}].changes")
        for number, raw in enumerate(raw_changes):
            name = f"entry[{index}].changes[{number}]"
            change = GRAPH.mapping(raw, name)
            if change.get("field") != "feed":
                continue
            value = GRAPH.mapping(change.get("value"), f"{name}.value")
            found = parse_change(value, page_id, name, entry.get("time"))
            if found is not None:
                changes.append(found)
    return changes


def parse_change(
    value: Mapping[str, Any], page_id: str, name: str, entry_time: object = None
) -> WebhookChange | None:
    """One `feed` change as a WebhookChange; None for what has no text (reactions, likes).

    `entry_time` (the entry's `time`, when the change happened) stands in for a missing
    `created_time`.
    """
    kind = value.get("item")
    verb = VERBS.get(GRAPH.text(value.get("verb"), f"{name}.verb"))
    # A reaction's removal names the comment or post it was on: only what has words counts.
    if verb is None or (kind != "comment" and kind not in POST_ITEMS):
        return None
    post_id = GRAPH.text(value.get("post_id"), f"{name}.post_id")
    # A removal may come without the time, author or words: the stored mention keeps them.
    # Webhook deliveries give Unix seconds where the Graph API gives ISO 8601 text.
    created = GRAPH.timestamp(
        value.get("created_time", entry_time), f"{name}.created_time", unix=True
    )
    author = parse_author(value.get("from"), f"{name}.from")
    raw_message = GRAPH.optional_text(value.get("message"), f"{name}.message")
    message = raw_message or ""
    visibility = VISIBILITY_OF.get(verb, Visibility.VISIBLE)
    if kind == "comment":
        parent = GRAPH.optional_text(value.get("parent_id"), f"{name}.parent_id")
        comment = Comment(
            id=GRAPH.text(value.get("comment_id"), f"{name}.comment_id"),
            message=message,
            created_time=created,
            author=author,
            permalink_url=None,
            # A top-level comment's parent is the post; a reply's is the comment it answers.
            parent_id=None if parent in (None, post_id) else parent,
            is_hidden=False,
            can_hide=None,
        )
        item = comment_item(page_id, post_id, comment)
    else:
        post_value = value.get("post")
        status = post_value.get("status_type") if isinstance(post_value, Mapping) else None
        post = Post(
            id=post_id,
            message=message,
            created_time=created,
            author=author,
            permalink_url=None,
            status_type=status if isinstance(status, str) else None,
        )
        item = post_item(page_id, post)
    return WebhookChange(verb, replace(item, visibility=visibility), raw_message is not None)


def apply_change(change: WebhookChange, stored: Item | None) -> Item | None:
    """The item `change` makes of the mention stored as `stored`; None: nothing to write."""
    if stored is None:
        # Heard of first by webhook. Without words (a removal, a bare hide) there is nothing to
        # keep yet: the poll reads the comment whole if it is still there.
        return change.item if change.has_message and change.verb != REMOVE else None
    if stored.visibility == Visibility.REMOVED:
        return None  # a removal is final; Meta may deliver an earlier change late or again
    if change.verb == EDITED and change.has_message:
        return replace(stored, text=change.item.text)
    if change.verb in VISIBILITY_OF:
        return replace(stored, visibility=VISIBILITY_OF[change.verb])
    # `add` of what is stored: a duplicate, or the poll found it first and knows more.
    return None
