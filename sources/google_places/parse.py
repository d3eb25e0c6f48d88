"""Places API (New) Place Details JSON → typed values: the place's rating and up to five reviews.

A field with no data is omitted, so a place without reviews has no `reviews` key. Review text may
come translated into the request's language (`text`); `originalText` is the reviewer's own.
`relativePublishTimeDescription` ("3 weeks ago") changes by itself and is never kept. A review
that cannot be read (no `name`, a malformed field) is skipped and counted; the place's own fields
and a list of reviews none of which can be read are format errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.model import Skipped
from sources.common.items import read_each
from sources.common.json import JsonFields

FIELDS = JsonFields("Places API")


@dataclass(frozen=True, slots=True)
class PlaceReview:
    """One of the (at most five) reviews Google chose to show."""

    name: str  # places/{place_id}/reviews/{review}: the only stable id
    rating: float | None
    text: str
    language: str | None
    original_language: str | None
    author_name: str | None
    publish_time: datetime | None  # aware
    maps_uri: str | None
    flag_uri: str | None


@dataclass(frozen=True, slots=True)
class Place:
    """A place's overall rating, rating count, link and shown reviews."""

    id: str
    display_name: str | None
    rating: float | None
    user_rating_count: int | None
    maps_uri: str | None
    reviews: list[PlaceReview]
    skipped: Skipped = field(default_factory=Skipped)  # reviews that could not be read


def localized(value: object, name: str) -> tuple[str, str | None]:
    """(text, languageCode) of a LocalizedText; ("", None) when absent."""
    if value is None:
        return "", None
    body = FIELDS.mapping(value, name)
    text = FIELDS.optional_text(body.get("text"), f"{name}.text") or ""
    return text, FIELDS.optional_text(body.get("languageCode"), f"{name}.languageCode")


def parse_place(payload: object) -> Place:
    """A Place Details response as a `Place`."""
    body = FIELDS.mapping(payload, "the response")
    display_name, _ = localized(body.get("displayName"), "displayName")
    reviews = read_each(
        FIELDS.optional_sequence(body.get("reviews"), "reviews"),
        lambda entry, index: parse_review(
            FIELDS.mapping(entry, f"reviews[{index}]"), f"reviews[{index}]"
        ),
    )
    return Place(
        id=FIELDS.text(body.get("id"), "id"),
        display_name=display_name or None,
        rating=FIELDS.optional_number(body.get("rating"), "rating"),
        user_rating_count=FIELDS.optional_integer(body.get("userRatingCount"), "userRatingCount"),
        maps_uri=FIELDS.optional_text(body.get("googleMapsUri"), "googleMapsUri"),
        reviews=reviews.items,
        skipped=reviews.skipped,
    )


def parse_review(review: Mapping[str, Any], name: str) -> PlaceReview:
    """One Review object."""
    text, language = localized(review.get("text"), f"{name}.text")
    original, original_language = localized(review.get("originalText"), f"{name}.originalText")
    author = review.get("authorAttribution")
    author = FIELDS.mapping(author, f"{name}.authorAttribution") if author is not None else {}
    publish_time = review.get("publishTime")
    return PlaceReview(
        name=FIELDS.text(review.get("name"), f"{name}.name"),
        rating=FIELDS.optional_number(review.get("rating"), f"{name}.rating"),
        text=text or original,
        language=language or original_language,
        original_language=original_language,
        author_name=FIELDS.optional_text(author.get("displayName"), f"{name}.author"),
        publish_time=FIELDS.optional_timestamp(publish_time, f"{name}.publishTime"),
        maps_uri=FIELDS.optional_text(review.get("googleMapsUri"), f"{name}.googleMapsUri"),
        flag_uri=FIELDS.optional_text(review.get("flagContentUri"), f"{name}.flagContentUri"),
    )
