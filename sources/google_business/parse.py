"""Business Profile API JSON → typed values: one page of `accounts.locations.reviews.list`.

Pure functions over parsed JSON. A rating-only review has no `comment`; an anonymous reviewer's
name is not shown; an absent `reviews` key is a listing with no reviews. A review that cannot be
read (no `reviewId`, a malformed time) is skipped and counted; anything else unexpected, or a page
none of whose reviews can be read, is one SourceFormatError naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.model import Skipped
from sources.common.items import read_each
from sources.common.json import JsonFields

FIELDS = JsonFields("Business Profile API")

STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}


@dataclass(frozen=True, slots=True)
class ReviewReply:
    """The owner's public reply to a review."""

    comment: str
    update_time: datetime | None


@dataclass(frozen=True, slots=True)
class BusinessReview:
    """One review of the school's own listing."""

    review_id: str
    reviewer_name: str | None  # None when the reviewer is anonymous
    star_rating: str  # the API's enum: ONE..FIVE, or STAR_RATING_UNSPECIFIED
    comment: str | None  # None for a rating-only review
    create_time: datetime
    update_time: datetime
    reply: ReviewReply | None

    @property
    def stars(self) -> int | None:
        """1–5, or None when Google gives no rating."""
        return STARS.get(self.star_rating)


@dataclass(frozen=True, slots=True)
class ReviewsPage:
    """One page of reviews, newest update first, with the listing's totals."""

    reviews: list[BusinessReview]
    average_rating: float | None
    total_review_count: int | None
    next_page_token: str | None
    skipped: Skipped = field(default_factory=Skipped)  # reviews on the page that could not be read


def parse_reviews_page(payload: object) -> ReviewsPage:
    """A ListReviewsResponse as a `ReviewsPage`."""
    body = FIELDS.mapping(payload, "the response")
    reviews = read_each(
        FIELDS.optional_sequence(body.get("reviews"), "reviews"),
        lambda entry, index: parse_review(
            FIELDS.mapping(entry, f"reviews[{index}]"), f"reviews[{index}]"
        ),
    )
    return ReviewsPage(
        reviews.items,
        FIELDS.optional_number(body.get("averageRating"), "averageRating"),
        FIELDS.optional_integer(body.get("totalReviewCount"), "totalReviewCount"),
        FIELDS.optional_text(body.get("nextPageToken"), "nextPageToken"),
        reviews.skipped,
    )


def parse_review(review: Mapping[str, Any], name: str) -> BusinessReview:
    """One Review object."""
    reviewer = review.get("reviewer")
    reviewer = FIELDS.mapping(reviewer, f"{name}.reviewer") if reviewer is not None else {}
    anonymous = reviewer.get("isAnonymous") is True
    star_rating = FIELDS.optional_text(review.get("starRating"), f"{name}.starRating")
    return BusinessReview(
        review_id=FIELDS.text(review.get("reviewId"), f"{name}.reviewId"),
        reviewer_name=None
        if anonymous
        else FIELDS.optional_text(reviewer.get("displayName"), f"{name}.reviewer.displayName"),
        star_rating=star_rating or "STAR_RATING_UNSPECIFIED",
        comment=FIELDS.optional_text(review.get("comment"), f"{name}.comment"),
        create_time=FIELDS.timestamp(review.get("createTime"), f"{name}.createTime"),
        update_time=FIELDS.timestamp(review.get("updateTime"), f"{name}.updateTime"),
        reply=parse_reply(review.get("reviewReply"), f"{name}.reviewReply"),
    )


def parse_reply(value: object, name: str) -> ReviewReply | None:
    """The owner's reply, or None when there is none."""
    if value is None:
        return None
    reply = FIELDS.mapping(value, name)
    update_time = reply.get("updateTime")
    return ReviewReply(
        comment=FIELDS.optional_text(reply.get("comment"), f"{name}.comment") or "",
        update_time=FIELDS.optional_timestamp(update_time, f"{name}.updateTime"),
    )
