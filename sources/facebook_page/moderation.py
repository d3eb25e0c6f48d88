"""The Page answering on its own page: a public reply to a post or comment, hiding a comment.

    POST /{version}/{post-or-comment-id}/comments  message=TEXT         → {"id": "<new comment>"}
    POST /{version}/{comment-id}                   is_hidden=true|false → {"success": true}
    GET  /{version}/debug_token?input_token=…      → {"data": {"scopes": [...], ...}}

Both writes need a Page token with `pages_manage_engagement`; a refusal arrives in Graph's
OAuthException shape ((#200) or (#10): the permission is missing). Facebook threads comments two
deep, so a reply to a reply is posted under the comment that began its thread, as Facebook's own
"Reply" does. The reply is read back and handed on as the comment a poll would store (the
Page's own comment: never alerted). When a write gets no answer, the comment's state (or the
Page's newest comments under the target) is read before the write is sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from monitor.model import Mention
from sources.capabilities import CannotRespondError, Changed, WriteAccess
from sources.common.writes import send_once
from sources.errors import SourceError
from sources.facebook_page.api import (
    COMMENT_FIELDS,
    WRITE_PERMISSION,
    GraphObjectMissingError,
    GraphSession,
)
from sources.facebook_page.config import FacebookPageConfig
from sources.facebook_page.items import comment_item, visibility
from sources.facebook_page.parse import GRAPH, parse_comment
from sources.http import PoliteClient

log = logging.getLogger(__name__)

# A reply found when looking after a timeout must be this recent (Facebook's clock may differ).
CLOCK_SLACK = timedelta(minutes=10)
RECENT_COMMENTS = "25"
GONE = "it is no longer on Facebook (deleted meanwhile?): nothing was done"


def reply_target(mention: Mention) -> str:
    """The object a reply is posted under: the post, the comment, or a reply's thread comment."""
    if mention.item_type == "comment":
        post_id = mention.extra.get("post_id")
        parent = mention.parent_external_id
        if isinstance(post_id, str) and parent and parent != post_id:
            return parent  # a reply to a reply: Facebook keeps it in the same thread
    return mention.external_id


def post_of(mention: Mention) -> str:
    """The post a mention belongs to (itself, for a post)."""
    post_id = mention.extra.get("post_id")
    return post_id if isinstance(post_id, str) and post_id else mention.external_id


async def post_reply(
    http: PoliteClient, config: FacebookPageConfig, mention: Mention, text: str
) -> Changed:
    """Comment as the Page under the post or comment; the new comment as a poll stores it."""
    session = config.session(http)
    target = reply_target(mention)
    began = datetime.now(UTC)

    async def send() -> Changed:
        with gone_as_refusal(target):
            answer = await session.post(f"{target}/comments", {"message": text})
        comment_id = GRAPH.text(GRAPH.mapping(answer.payload, "the answer").get("id"), "id")
        return await read_back(session, config, mention, comment_id)

    async def landed() -> Changed | None:
        params = {
            "fields": "id,message,from{id},created_time",
            "filter": "stream",
            "order": "reverse_chronological",
            "limit": RECENT_COMMENTS,
        }
        with gone_as_refusal(target):
            answer = await session.get(f"{target}/comments", params)
        for entry in GRAPH.sequence(
            GRAPH.mapping(answer.payload, "the answer").get("data"), "data"
        ):
            if is_our_reply(entry, config.page_id, text, began - CLOCK_SLACK):
                return await read_back(session, config, mention, str(entry["id"]))
        return None

    return await send_once(send, landed)


def is_our_reply(entry: object, page_id: str, text: str, since: datetime) -> bool:
    """True for a comment by the Page with exactly these words, made at or after `since`."""
    if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
        return False
    author = entry.get("from")
    by_page = isinstance(author, Mapping) and author.get("id") == page_id
    try:
        created = GRAPH.timestamp(entry.get("created_time"), "created_time")
    except SourceError:
        return False
    return by_page and entry.get("message") == text and created >= since


async def read_back(
    session: GraphSession, config: FacebookPageConfig, mention: Mention, comment_id: str
) -> Changed:
    """The posted comment as the poll would store it; just its id if it cannot be read now."""
    try:
        answer = await session.get(comment_id, {"fields": COMMENT_FIELDS})
        comment = parse_comment(GRAPH.mapping(answer.payload, comment_id), comment_id)
    except SourceError as error:
        # Posted all the same: the next poll stores it.
        log.info("facebook reply %s posted but not read back: %s", comment_id, error)
        return Changed(posted_id=comment_id)
    item = comment_item(config.page_id, post_of(mention), comment)
    return Changed(items=(item,), posted_id=comment_id)


async def set_hidden(
    http: PoliteClient, config: FacebookPageConfig, mention: Mention, hidden: bool
) -> Changed:
    """Hide the comment on the Page (or show it again); its visibility as a poll stores it."""
    if mention.extra.get("can_hide") is False:
        raise CannotRespondError(
            "Facebook says the Page cannot hide this comment (can_hide is false: the Page's own"
            " comment, or one on another Page's post); delete or report it on Facebook instead"
        )
    session = config.session(http)
    wanted = {"is_hidden": "true" if hidden else "false"}

    async def send() -> Changed:
        with gone_as_refusal(mention.external_id):
            answer = await session.post(mention.external_id, wanted)
        if GRAPH.mapping(answer.payload, "the answer").get("success") is not True:
            raise GRAPH.fail(f"{mention.external_id}: Facebook did not say success")
        return Changed(visibility=visibility(hidden))

    async def landed() -> Changed | None:
        with gone_as_refusal(mention.external_id):
            answer = await session.get(mention.external_id, {"fields": "is_hidden"})
        now_hidden = GRAPH.mapping(answer.payload, "the comment").get("is_hidden") is True
        return Changed(visibility=visibility(hidden)) if now_hidden == hidden else None

    return await send_once(send, landed)


@contextmanager
def gone_as_refusal(object_id: str) -> Iterator[None]:
    """Turns Graph's "no such object" into a refusal that says nothing was done."""
    try:
        yield
    except GraphObjectMissingError:
        raise GraphObjectMissingError(f"Facebook {object_id}: {GONE}") from None


async def write_access(http: PoliteClient, config: FacebookPageConfig) -> WriteAccess:
    """Whether the Page token was granted pages_manage_engagement (Graph's debug_token)."""
    session = config.session(http)
    try:
        answer = await session.get("debug_token", {"input_token": config.token().reveal()})
        data = GRAPH.mapping(GRAPH.mapping(answer.payload, "the answer").get("data"), "data")
        scopes = {str(scope) for scope in GRAPH.optional_sequence(data.get("scopes"), "scopes")}
    except SourceError as error:
        return WriteAccess(None, f"Facebook would not say what the token may do ({error})")
    if WRITE_PERMISSION in scopes:
        return WriteAccess(
            True, f"the token has {WRITE_PERMISSION}: it may reply to and hide comments"
        )
    return WriteAccess(
        False,
        f"the token lacks {WRITE_PERMISSION}, so replies and hiding will be refused: make a new"
        " Page token with it (docs/sources/facebook.md, Replying and hiding)",
    )
