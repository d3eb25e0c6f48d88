"""Items, sentiments and times for storage tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.model import Item, Sentiment

NOW = datetime(2025, 3, 14, 9, 30, 15, 123456, tzinfo=UTC)
HOUR = timedelta(hours=1)


def make_item(external_id: str = "r1", **changes: Any) -> Item:
    """A review item; keyword arguments override its fields."""
    fields: dict[str, Any] = {
        "external_id": external_id,
        "item_type": "review",
        "text": f"Lovely staff, my child is thriving ({external_id}).",
        "url": f"https://example.org/reviews/{external_id}",
        "title": None,
        "author": "A Parent",
        "published_at": NOW - 24 * HOUR,
        "rating": 5.0,
        "extra": {"reply": None},
    }
    fields.update(changes)
    return Item(**fields)


def make_sentiment(compound: float = 0.8, words: tuple[str, ...] = ("lovely",)) -> Sentiment:
    """A sentiment with every field set to something distinguishable."""
    return Sentiment(
        compound=compound,
        pos=0.5,
        neu=0.4,
        neg=0.1,
        most_negative=compound - 0.25,
        most_negative_sentence="The car park is a nightmare.",
        words=words,
    )
