"""Google Business Profile: every review of the school's own listing, with edits and replies.

The complete route for a verified listing the school manages: the Business Profile API v4 lists
reviews newest update first, so a poll reads pages only until it meets reviews no newer than the
saved `updateTime` cursor (the first poll reads at most `max_pages` pages). OAuth 2.0: a refresh
token (from a one-off consent, docs/sources/google.md) is exchanged for access tokens, cached until
shortly before they expire. The listing's average rating and review count are recorded each poll.

This module holds what loading the config needs (every command loads it): the config model
(`config.py`), what the adapter can do, and `fetch` and the writes, which import the API client,
the parser and the HTTP stack only when they run.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from monitor.model import FetchResult, Item, Mention, RatingSummary, Skipped, SourceState
from monitor.times import utc_iso
from sources.base import register
from sources.capabilities import (
    Advice,
    Capabilities,
    Changed,
    Ratings,
    Remedies,
    ReplyTarget,
    WriteAccess,
)
from sources.google_business.config import MAX_REPLY_BYTES, GoogleBusinessConfig

if TYPE_CHECKING:
    from sources.http import PoliteClient

__all__ = ["CAPABILITIES", "GoogleBusinessConfig", "fetch"]


async def post_reply(
    http: PoliteClient, config: GoogleBusinessConfig, mention: Mention, text: str
) -> Changed:
    """The owner's reply under the review (replies.post_reply, imported when a reply is made)."""
    from sources.google_business import replies

    return await replies.post_reply(http, config, mention, text)


async def remove_reply(
    http: PoliteClient, config: GoogleBusinessConfig, mention: Mention
) -> Changed:
    """The owner's reply deleted (replies.remove_reply, imported when it is asked for)."""
    from sources.google_business import replies

    return await replies.remove_reply(http, config, mention)


async def write_access(http: PoliteClient, config: GoogleBusinessConfig) -> WriteAccess:
    """Whether the token may reply (replies.write_access, imported for `check --online`)."""
    from sources.google_business import replies

    return await replies.write_access(http, config)


CAPABILITIES = Capabilities(
    advice=Advice(
        respond="Reply publicly as the school (Business Profile, Reviews), briefly and politely:"
        " thank the writer and invite them to contact the office; never discuss a child or a"
        " member of staff.",
        remove="If the review breaks Google's policies (harassment, hate, personal information,"
        " off-topic, conflict of interest), flag it: Business Profile, Reviews, Report review;"
        " a fair but unwelcome review stays, and a reply is the answer.",
    ),
    remedies=Remedies(
        failing="retried with backoff; if it goes on, check account_id and location_id and the"
        " last error (docs/sources/google.md, When it stops working)",
        auth_expired="reconnect as the last error says (docs/sources/google.md, When it stops"
        " working): usually a new refresh token (step 5) where refresh_token_* points",
        blocked="Google refuses the project: API access is not approved yet or was withdrawn"
        " (docs/sources/google.md, step 3)",
    ),
    ratings=Ratings(every_review_visible=True),
    reply=ReplyTarget(
        item_types=frozenset({"review"}),
        post=post_reply,
        remove=remove_reply,
        max_bytes=MAX_REPLY_BYTES,
        where="as the owner's reply under the review on Google",
    ),
    write_access=write_access,
    respond_instead="Google reviews cannot be hidden by the listing's owner: reply in public"
    " (`monitor alerts reply`), or report the review to Google as breaking its policies",
)


@register("google_business", GoogleBusinessConfig, CAPABILITIES)
async def fetch(
    http: PoliteClient, config: GoogleBusinessConfig, state: SourceState
) -> FetchResult:
    """Reviews created or updated since the saved cursor, newest first, and the listing's rating."""
    # Imported here: loading the config (every command) must not load what fetching needs.
    from sources.common.oauth import shared_tokens
    from sources.google_business.api import list_reviews_page
    from sources.google_business.items import review_item

    cursor = saved_update_time(state)
    grant = config.grant()
    items: list[Item] = []
    rating: RatingSummary | None = None
    skipped = Skipped()
    newest, page_token, pages, requests = cursor, None, 0, 0
    while pages < config.max_pages:
        page, sent = await list_reviews_page(
            http, shared_tokens, grant, config.reviews_url, page_token
        )
        pages, requests, skipped = pages + 1, requests + sent, skipped + page.skipped
        if rating is None:
            rating = RatingSummary(page.average_rating, page.total_review_count)
        # Equal times are kept: two reviews updated in the same instant must not lose one.
        fresh = [r for r in page.reviews if cursor is None or r.update_time >= cursor]
        items.extend(review_item(review) for review in fresh)
        newest = max([r.update_time for r in fresh] + ([newest] if newest else []), default=None)
        if len(fresh) < len(page.reviews) or not page.next_page_token:
            break
        page_token = page.next_page_token
    new_cursor = dict(state.cursor)
    if newest is not None:
        # Microseconds kept (timespec "auto"): the cursor is compared with updateTime exactly.
        new_cursor["update_time"] = utc_iso(newest)
    return FetchResult(items, new_cursor, requests=requests, rating=rating, skipped=skipped)


def saved_update_time(state: SourceState) -> datetime | None:
    """The newest review `updateTime` seen by earlier polls, if any."""
    from sources.google_business.parse import FIELDS

    value = state.cursor.get("update_time")
    return FIELDS.optional_timestamp(value, "the saved cursor")
