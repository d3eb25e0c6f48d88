"""Google Places: the public listing's rating, rating count and the five reviews Google shows.

For schools without Business Profile API access. Place Details (Places API New) shows at most five
"most relevant" reviews with no paging or sort, so new reviews are the ones the scan has not
stored (by review name), and each poll records the rating and rating count: the digest reports a
rise in the count that no new review accounts for as ratings Google does not show (the
capability `Ratings(every_review_visible=False)`). Google's terms forbid keeping review text:
each review's text is kept `retain_text_days`, then blanked (storage/text_expiry.py) leaving id,
rating, time, link and our score. Each poll is a paid request beyond the free tier (see cost.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from pydantic import Field, HttpUrl, field_validator

from monitor.config.units import PositiveDuration
from monitor.model import FetchResult, RatingSummary, SourceState
from sources.base import SharedHost, SourceConfig, register, shared_host_of
from sources.capabilities import Advice, Capabilities, Polled, Ratings, Remedies
from sources.google_places.cost import check_lines

if TYPE_CHECKING:
    from sources.http import PoliteClient


class GooglePlacesConfig(
    SourceConfig, secrets={"api_key": "the Places API key"}, required=("api_key",)
):
    """A public Google Maps listing, read through Place Details."""

    # Hourly keeps one place inside the 1,000 free requests a month (`monitor check` says so).
    interval: PositiveDuration = Field(
        timedelta(hours=1), description='How often to poll: "<n>s|m|h|d" (each poll is billed).'
    )
    place_id: str = Field(description="The listing's place id (ChIJ…), from the Place ID Finder.")
    api_url: HttpUrl = Field(
        HttpUrl("https://places.googleapis.com/v1"), description="Places API (New)."
    )
    retain_text_days: int = Field(
        30, ge=0, le=30, description="Days review text is kept before it is blanked (Google terms)."
    )
    language_code: str = Field("en-GB", description="Language reviews are shown (translated) in.")
    region_code: str = Field("GB", description="Region (CLDR, two letters) for the request.")

    @field_validator("place_id")
    @classmethod
    def _bare_place_id(cls, value: str) -> str:
        bare = value.strip().removeprefix("places/")
        if not bare or not bare.replace("-", "").replace("_", "").isalnum():
            raise ValueError("give the place id alone, e.g. ChIJ2eUgeAK6j4ARbn5u_wAGqWA")
        return bare

    @property
    def place_url(self) -> str:
        """The Place Details URL of this place."""
        return f"{str(self.api_url).rstrip('/')}/places/{self.place_id}"

    def shared_host(self) -> SharedHost | None:
        """Google's quotas are per project, not per process: one poll at a time, fleet-wide."""
        return shared_host_of(str(self.api_url))


def cost_lines(sources: Mapping[str, Polled]) -> list[str]:
    """`monitor check`'s lines: what polling these places costs a month (each poll is billed)."""
    return check_lines({name: source.interval for name, source in sources.items()})


CAPABILITIES = Capabilities(
    advice=Advice(
        respond="Reply publicly as the school from the Business Profile that owns this listing,"
        " briefly and politely, inviting the writer to contact the office; never discuss a child"
        " or a member of staff.",
        remove="If the review breaks Google's policies (harassment, hate, personal information,"
        " off-topic), flag it in Google Maps (Report review) or from the Business Profile.",
    ),
    remedies=Remedies(
        failing="retried with backoff; if it goes on, check the last error: a place id no"
        " longer valid is looked up again (docs/sources/google.md, google_places step 3)",
        auth_expired="the API key was refused: check that it is allowed Places API (New) and"
        " where api_key_* points (docs/sources/google.md, google_places step 2)",
        blocked="Google refuses the project: check that billing is linked and Places API (New)"
        " enabled (docs/sources/google.md, google_places step 1)",
    ),
    # Place Details shows five reviews at most: most new ratings are never seen as reviews.
    ratings=Ratings(every_review_visible=False),
    check=cost_lines,
    respond_instead="the Places API is read-only: only the listing's owner can reply, through"
    " Google Business Profile; configure a google_business source for the listing"
    " (docs/sources/google.md) and reply there, or reply at business.google.com",
)


@register("google_places", GooglePlacesConfig, CAPABILITIES)
async def fetch(http: PoliteClient, config: GooglePlacesConfig, state: SourceState) -> FetchResult:
    """The shown reviews and the listing's rating and rating count (no cursor to keep)."""
    # Imported here: loading the config (every command) must not load what fetching needs.
    from sources.google_places.api import get_place
    from sources.google_places.items import review_item

    api_key = config.secret("api_key")
    assert api_key is not None  # guaranteed by _one_key
    place = await get_place(
        http, config.place_url, api_key, config.language_code, config.region_code
    )
    items = [review_item(review, place, config.retain_text_days) for review in place.reviews]
    rating = RatingSummary(place.rating, place.user_rating_count)
    return FetchResult(items, requests=1, rating=rating, skipped=place.skipped)
