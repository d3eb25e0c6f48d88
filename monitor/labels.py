"""Labels a mention carries from the moment it is stored: its tone, and whether it names staff.

These are facts about the text, used to filter (`monitor mentions --label negative`) and by the
digest. Alerts (what the SLT must act on) are the rules' job, not this module's.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.model import Item, Sentiment
from sources.matching import AliasMatcher

POSITIVE_THRESHOLD = 0.5


class Labeller:
    """Labels items with the school's thresholds and staff names."""

    def __init__(self, *, negative_threshold: float, staff: Sequence[str]) -> None:
        self._negative_threshold = negative_threshold
        self._staff = AliasMatcher(staff)

    def labels(self, item: Item, sentiment: Sentiment | None) -> list[str]:
        """Sorted labels: negative|positive|neutral, low_rating, staff_named."""
        labels: list[str] = []
        if sentiment is not None:
            if sentiment.compound <= self._negative_threshold:
                labels.append("negative")
            elif sentiment.compound >= POSITIVE_THRESHOLD:
                labels.append("positive")
            else:
                labels.append("neutral")
        if item.rating is not None and item.rating <= 2:
            labels.append("low_rating")
        if self._staff.matches(item.title, item.text):
            labels.append("staff_named")
        return sorted(labels)
