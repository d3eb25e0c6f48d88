"""Google Business Profile: every review of the school's own listing, with edits and replies.

The complete route for a verified listing the school manages: the Business Profile API v4 lists
reviews newest update first, so a poll reads pages only until it meets reviews no newer than the
saved `updateTime` cursor (the first poll reads at most `max_pages` pages). OAuth 2.0: a refresh
token (from a one-off consent, docs/sources/google.md) is exchanged for access tokens, cached until
shortly before they expire. The listing's average rating and review count are recorded each poll.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, HttpUrl, field_validator, model_validator

from monitor.config.secrets import Secret
from monitor.model import FetchResult, Item, RatingSummary, Skipped, SourceState
from sources.base import SharedHost, SourceConfig, register, shared_host_of
from sources.common.oauth import RefreshGrant, shared_tokens
from sources.google_business.api import list_reviews_page
from sources.google_business.items import iso, review_item
from sources.google_business.parse import parse_time
from sources.http import PoliteClient

REDO = (
    "authorise again with a Google account that manages the listing and save the new refresh"
    " token (docs/sources/google.md, 'A refresh token')"
)


class GoogleBusinessConfig(
    SourceConfig,
    secrets={
        "client_id": "the OAuth client id (not secret: `client_id` may give it plainly)",
        "client_secret": "the OAuth client secret",
        "refresh_token": "the OAuth refresh token",
    },
    required=("client_secret", "refresh_token"),
):
    """The school's own Business Profile location."""

    account_id: str = Field(description="Business Profile account id (digits, or accounts/…).")
    location_id: str = Field(description="Business Profile location id (digits, or locations/…).")
    client_id: str | None = Field(
        None, description="OAuth client id (not secret; or client_id_env)."
    )
    api_url: HttpUrl = Field(
        HttpUrl("https://mybusiness.googleapis.com/v4"), description="Business Profile API v4."
    )
    token_url: HttpUrl = Field(
        HttpUrl("https://oauth2.googleapis.com/token"), description="OAuth 2.0 token endpoint."
    )
    max_pages: int = Field(
        10, ge=1, le=100, description="Pages of 50 reviews read at most per poll (the first too)."
    )

    @field_validator("account_id", "location_id")
    @classmethod
    def _bare_id(cls, value: str) -> str:
        bare = value.strip().rsplit("/", 1)[-1]
        if not bare or not bare.replace("-", "").replace("_", "").isalnum():
            raise ValueError("give the id's digits, e.g. 112233445566778899000")
        return bare

    @model_validator(mode="after")
    def _one_client_id(self) -> GoogleBusinessConfig:
        if (self.client_id is not None) == self.secret_given("client_id"):
            keys = ", ".join(f"client_id{suffix}" for suffix in SUFFIXES)
            raise ValueError(f"give exactly one of {keys}")
        return self

    def grant(self) -> RefreshGrant:
        """The OAuth grant these keys describe, secrets resolved."""
        client_id = Secret(self.client_id) if self.client_id else self.secret("client_id")
        client_secret, refresh_token = self.secret("client_secret"), self.secret("refresh_token")
        assert (
            client_id and client_secret and refresh_token
        )  # guaranteed by the required secrets and _one_client_id
        return RefreshGrant(str(self.token_url), client_id, client_secret, refresh_token, REDO)

    def shared_host(self) -> SharedHost | None:
        """Google's quotas are per project, not per process: one poll at a time, fleet-wide."""
        return shared_host_of(str(self.api_url))

    @property
    def reviews_url(self) -> str:
        """The list-reviews URL of this location."""
        base = str(self.api_url).rstrip("/")
        return f"{base}/accounts/{self.account_id}/locations/{self.location_id}/reviews"


SUFFIXES = ("", "_env", "_file", "_credential")


@register("google_business", GoogleBusinessConfig)
async def fetch(
    http: PoliteClient, config: GoogleBusinessConfig, state: SourceState
) -> FetchResult:
    """Reviews created or updated since the saved cursor, newest first, and the listing's rating."""
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
        new_cursor["update_time"] = iso(newest)
    return FetchResult(items, new_cursor, requests=requests, rating=rating, skipped=skipped)


def saved_update_time(state: SourceState) -> datetime | None:
    """The newest review `updateTime` seen by earlier polls, if any."""
    value = state.cursor.get("update_time")
    return None if value is None else parse_time(value, "the saved cursor")
