"""Requests to the Places API (New): Place Details with the smallest field mask that has reviews.

The API key travels only in the `X-Goog-Api-Key` header, never in the URL (URLs reach logs), and
only to the origin of `api_url`: the header is marked secret, so a redirect elsewhere drops it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.config.secrets import Secret
from sources.common.google_errors import GOOGLE_ERROR_STATUSES, ErrorHints, google_error
from sources.google_places.parse import Place, parse_place
from sources.http import PoliteClient

# Billed at the highest SKU of any field asked for: `reviews` makes it Enterprise + Atmosphere.
FIELD_MASK = "id,displayName,rating,userRatingCount,googleMapsUri,reviews"
API_KEY_HEADER = "X-Goog-Api-Key"

HINTS = ErrorHints(
    service="Places API",
    not_found=(
        "the place id is no longer valid (Google retires place ids): look the school up again"
        " with Google's Place ID Finder and update place_id"
    ),
    credential="api_key_env",
)


async def get_place(
    http: PoliteClient, place_url: str, api_key: Secret, language: str, region: str
) -> Place:
    """The place's details: rating, rating count, link and up to five reviews."""
    response = await http.get(
        place_url,
        params={"languageCode": language, "regionCode": region},
        headers={API_KEY_HEADER: api_key.reveal(), "X-Goog-FieldMask": FIELD_MASK},
        secret_headers=(API_KEY_HEADER,),  # never sent on to another origin by a redirect
        ok_statuses=GOOGLE_ERROR_STATUSES,
    )
    if response.status in GOOGLE_ERROR_STATUSES:
        raise google_error(response, HINTS, datetime.now(UTC))
    return parse_place(response.json())
