"""The school's public reply to a review of its listing: post, replace, remove, and check it.

    PUT    {api_url}/accounts/{a}/locations/{l}/reviews/{reviewId}/reply  {"comment": TEXT}
           → ReviewReply {"comment", "updateTime"} (a reply is created, or replaces the last)
    DELETE the same URL → {} (the reply is gone)
    GET    {api_url}/accounts/{a}/locations/{l}/reviews/{reviewId} → the Review, reviewReply too

The OAuth scope is `business.manage`, the one that reads the reviews, so a token that polls may
reply; the Google account that made the refresh token must be an owner or manager of the
listing. A review deleted meanwhile answers 404. When a PUT or DELETE gets no answer, the
review is read back before the request is sent again (sources/common/writes.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from monitor.model import Mention
from sources.capabilities import CannotRespondError, Changed, WriteAccess
from sources.common.google_errors import GOOGLE_ERROR_STATUSES, ErrorHints, google_error
from sources.common.oauth import shared_tokens
from sources.common.writes import send_once
from sources.google_business.config import GoogleBusinessConfig
from sources.google_business.items import reply_state, review_item
from sources.google_business.parse import FIELDS, ReviewReply, parse_reply, parse_review
from sources.http import PoliteClient, Response

WRITE_SCOPES = frozenset(
    {
        "https://www.googleapis.com/auth/business.manage",
        "https://www.googleapis.com/auth/plus.business.manage",  # the legacy name
    }
)
WRITE_HINTS = ErrorHints(
    service="Business Profile API",
    not_found=(
        "the review is no longer on Google (its author may have deleted it): nothing was done;"
        " the next scan brings the listing up to date"
    ),
    credential=(
        "the refresh token: the Google account that made it must be an owner or manager of the"
        " listing (docs/sources/google.md, Replying to reviews)"
    ),
)


def reply_url(config: GoogleBusinessConfig, mention: Mention) -> str:
    """The reply resource of the review a mention stores."""
    return f"{review_url(config, mention)}/reply"


def review_url(config: GoogleBusinessConfig, mention: Mention) -> str:
    """The review a mention stores."""
    return f"{config.reviews_url}/{mention.external_id}"


async def post_reply(
    http: PoliteClient, config: GoogleBusinessConfig, mention: Mention, text: str
) -> Changed:
    """Reply to the review in public (replacing the school's earlier reply, if any)."""

    async def send() -> Changed:
        response = await authorized(
            http, config, "PUT", reply_url(config, mention), {"comment": text}
        )
        reply = parse_reply(response.json(), "the reply")
        if reply is None:  # a JSON null instead of the ReviewReply
            raise FIELDS.fail("the answer to the reply is empty")
        return Changed(extra=with_reply(mention.extra, reply))

    async def landed() -> Changed | None:
        review = await read_review(http, config, mention)
        replied = review.get("reviewReply")
        reply = parse_reply(replied, "reviewReply")
        if reply is None or reply.comment != text:
            return None
        return Changed(extra=review_item(parse_review(review, "the review")).extra)

    return await send_once(send, landed)


async def remove_reply(
    http: PoliteClient, config: GoogleBusinessConfig, mention: Mention
) -> Changed:
    """Delete the school's public reply to the review."""

    earlier = stored_reply(mention)
    if earlier is None and mention.extra.get("has_reply") is not True:
        raise CannotRespondError(
            "the review has no reply from the school as of the last scan: nothing to remove"
            " (run `monitor scan` first if one was added since)"
        )

    async def send() -> Changed:
        await authorized(http, config, "DELETE", reply_url(config, mention), None)
        return Changed(extra={**mention.extra, "reply": None, "has_reply": False}, note=earlier)

    async def landed() -> Changed | None:
        review = await read_review(http, config, mention)
        if review.get("reviewReply") is not None:
            return None
        extra = review_item(parse_review(review, "the review")).extra
        return Changed(extra=extra, note=earlier)

    return await send_once(send, landed)


def stored_reply(mention: Mention) -> str | None:
    """The words of the school's reply as the mention stores them, if it has one."""
    reply = mention.extra.get("reply")
    comment = reply.get("comment") if isinstance(reply, dict) else None
    return comment if isinstance(comment, str) and comment else None


def with_reply(extra: Any, reply: ReviewReply) -> dict[str, Any]:
    """The review's stored extra with the reply in it, as a poll stores it."""
    return {**extra, "reply": reply_state(reply), "has_reply": True}


async def read_review(http: PoliteClient, config: GoogleBusinessConfig, mention: Mention) -> Any:
    """The Review object as Google has it now (JSON)."""
    response = await authorized(http, config, "GET", review_url(config, mention), None)
    return FIELDS.mapping(response.json(), "the review")


async def authorized(
    http: PoliteClient, config: GoogleBusinessConfig, method: str, url: str, body: Any
) -> Response:
    """An authorised request; a Google error becomes one SourceError line saying what to do."""
    answer = await shared_tokens.authorized(
        http, config.grant(), method, url, json=body, ok_statuses=GOOGLE_ERROR_STATUSES
    )
    response = answer.response
    if response.status in GOOGLE_ERROR_STATUSES:
        raise google_error(response, WRITE_HINTS, datetime.now(UTC))
    return response


async def write_access(http: PoliteClient, config: GoogleBusinessConfig) -> WriteAccess:
    """Whether the token may reply: the scopes Google granted it with the last refresh."""
    token = await shared_tokens.get(http, config.grant())
    if token.scopes is None:
        return WriteAccess(None, "Google did not say which scopes the token has")
    if token.scopes & WRITE_SCOPES:
        return WriteAccess(
            True,
            "the token has the business.manage scope: it may reply to reviews (the account"
            " must be an owner or manager of the listing)",
        )
    return WriteAccess(
        False,
        "the token lacks the business.manage scope, so replies will be refused: authorise"
        " again with that scope (docs/sources/google.md, step 5)",
    )
