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

Reactions and likes carry no text and are skipped; a change for another Page is skipped. The
web app that stores the items is `monitor.webhook` (sources/ knows nothing of the database).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor.model import Item
from monitor.secrets import Secret
from sources.facebook_page.items import comment_item, post_item
from sources.facebook_page.parse import GRAPH, Comment, Post, parse_author

POST_ITEMS = frozenset({"status", "post", "photo", "video", "share"})
SIGNATURE_PREFIX = "sha256="


@dataclass(frozen=True, slots=True)
class WebhookChange:
    """One change of a delivery: what happened (`verb`) and the item it concerns."""

    verb: str
    item: Item


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
            found = parse_change(GRAPH.mapping(change.get("value"), f"{name}.value"), page_id, name)
            if found is not None:
                changes.append(found)
    return changes


def parse_change(value: Mapping[str, Any], page_id: str, name: str) -> WebhookChange | None:
    """One `feed` change as a WebhookChange; None for what has no text (reactions, likes)."""
    kind = value.get("item")
    verb = GRAPH.text(value.get("verb"), f"{name}.verb")
    if verb == "remove":
        return None  # nothing to store: the poll keeps what was said, as evidence
    post_id = GRAPH.text(value.get("post_id"), f"{name}.post_id")
    # Webhook deliveries give Unix seconds where the Graph API gives ISO 8601 text.
    created = GRAPH.timestamp(value.get("created_time"), f"{name}.created_time", unix=True)
    author = parse_author(value.get("from"), f"{name}.from")
    message = GRAPH.optional_text(value.get("message"), f"{name}.message") or ""
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
            is_hidden=verb == "hide",
            can_hide=None,
        )
        return WebhookChange(verb, comment_item(page_id, post_id, comment))
    if kind in POST_ITEMS:
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
        return WebhookChange(verb, post_item(page_id, post))
    return None
