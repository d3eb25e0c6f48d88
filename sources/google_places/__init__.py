"""Google Places: the public listing's rating, rating count and the five reviews Google shows.

For schools without Business Profile API access. Place Details (Places API New) shows at most five
"most relevant" reviews with no paging or sort, so new reviews are found by diffing review names,
and a rise in the rating count with no new review visible is recorded as ratings Google does not
show (sources/google_places/ratings.py). Google's terms forbid keeping review text: each review's
text is kept `retain_text_days`, then blanked (storage/text_expiry.py) leaving id, rating, time,
link and our score. Each poll is a paid request beyond the free tier (see cost.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import Field, HttpUrl, field_validator

from monitor.config.units import PositiveDuration
from monitor.model import FetchResult, RatingSummary, SourceState
from sources.base import SharedHost, SourceConfig, register, shared_host_of
from sources.google_places.api import get_place
from sources.google_places.items import review_item
from sources.google_places.ratings import next_cursor
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

    def shared_host(self) -> SharedHost | None:
        """Google's quotas are per project, not per process: one poll at a time, fleet-wide."""
        return shared_host_of(str(self.api_url))

    @property
    def place_url(self) -> str:
        """The Place Details URL of this place."""
        return f"{str(self.api_url).rstrip('/')}/places/{self.place_id}"


@register("google_places", GooglePlacesConfig)
async def fetch(http: PoliteClient, config: GooglePlacesConfig, state: SourceState) -> FetchResult:
    """The shown reviews, the rating and count, and new ratings Google counts but does not show."""
    api_key = config.secret("api_key")
    assert api_key is not None  # guaranteed by _one_key
    place = await get_place(
        http, config.place_url, api_key, config.language_code, config.region_code
    )
    items = [review_item(review, place, config.retain_text_days) for review in place.reviews]
    cursor = next_cursor(state.cursor, place, datetime.now(UTC))
    rating = RatingSummary(place.rating, place.user_rating_count)
    return FetchResult(items, cursor, requests=1, rating=rating, skipped=place.skipped)
