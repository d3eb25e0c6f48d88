"""Business Profile reviews → Items: one mention per review, the reply state in `extra`."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from monitor.model import Item, ItemType
from monitor.times import utc_iso
from sources.google_business.parse import BusinessReview, ReviewReply


def reply_state(reply: ReviewReply | None) -> dict[str, Any] | None:
    """The reply as stored in `extra`: a new or changed reply is an update, never a new mention."""
    if reply is None:
        return None
    return {
        "comment": reply.comment,
        "update_time": None if reply.update_time is None else utc_iso(reply.update_time),
    }


def review_item(review: BusinessReview) -> Item:
    """The mention for one review: stars 1–5, comment text ("" for a rating-only review)."""
    return Item(
        external_id=review.review_id,
        item_type=ItemType.REVIEW,
        text=review.comment or "",
        author=review.reviewer_name,
        published_at=review.create_time.astimezone(UTC),
        rating=None if review.stars is None else float(review.stars),
        extra={
            "update_time": utc_iso(review.update_time),
            "star_rating": review.star_rating,
            "reply": reply_state(review.reply),
            "has_reply": review.reply is not None,
        },
    )
