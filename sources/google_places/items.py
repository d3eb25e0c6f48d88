"""Place Details reviews → Items whose text is kept only `retain_text_days` (Google's terms)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from monitor.model import Item, ItemType
from sources.common.feeds import real_link
from sources.google_places.parse import Place, PlaceReview


def review_item(review: PlaceReview, place: Place, retain_text_days: int) -> Item:
    """The mention for one shown review; its link is the review's (else the place's) Maps page."""
    extra: dict[str, Any] = {"place_id": place.id}
    if review.language:
        extra["language"] = review.language
    if review.original_language and review.original_language != review.language:
        extra["original_language"] = review.original_language  # the text shown is a translation
    flag_url = real_link(review.flag_uri) if review.flag_uri else None
    if flag_url:
        extra["flag_url"] = flag_url  # where the SLT reports a review to Google
    url = review.maps_uri or place.maps_uri
    return Item(
        external_id=review.name,
        item_type=ItemType.REVIEW,
        text=review.text,
        url=real_link(url) if url else None,
        author=review.author_name,
        published_at=None if review.publish_time is None else review.publish_time.astimezone(UTC),
        rating=review.rating,
        extra=extra,
        retain_text_days=retain_text_days,
    )
