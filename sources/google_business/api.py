"""Requests to the Business Profile API v4: a page of a location's reviews, newest update first."""

from __future__ import annotations

from datetime import UTC, datetime

from sources.common.google_errors import GOOGLE_ERROR_STATUSES, ErrorHints, google_error
from sources.common.oauth import AccessTokens, RefreshGrant
from sources.google_business.parse import ReviewsPage, parse_reviews_page
from sources.http import PoliteClient

PAGE_SIZE = 50  # the API's maximum

HINTS = ErrorHints(
    service="Business Profile API",
    not_found=(
        "no such account or location, or the location is not verified: check account_id and"
        " location_id (docs/sources/google.md shows how to list them)"
    ),
    credential="client_id, client_secret and refresh_token",
)


async def list_reviews_page(
    http: PoliteClient,
    tokens: AccessTokens,
    grant: RefreshGrant,
    reviews_url: str,
    page_token: str | None,
) -> tuple[ReviewsPage, int]:
    """One page of the location's reviews (newest update first), and the HTTP requests it took."""
    params: dict[str, str | int] = {"pageSize": PAGE_SIZE, "orderBy": "updateTime desc"}
    if page_token:
        params["pageToken"] = page_token
    authorized = await tokens.authorized_get(
        http, grant, reviews_url, params=params, ok_statuses=GOOGLE_ERROR_STATUSES
    )
    response = authorized.response
    if response.status in GOOGLE_ERROR_STATUSES:
        raise google_error(response, HINTS, datetime.now(UTC))
    return parse_reviews_page(response.json()), authorized.requests
