"""The `volume_spike` rule's context: how many mentions the last 24 hours held, against the norm.

    context = load_context(tx, now)          # the scan: once per scan, shared by its sources
    rules.evaluate(candidate, context)       # each new candidate counts into the context

Mentions are counted by when they were published (or first seen, if undated), baseline history
included, so a first poll's history gives the 28-day mean a true past rather than one full day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from storage import mentions
from storage.database import Transaction

DAY = timedelta(hours=24)
NORM_DAYS = 28


@dataclass(slots=True)
class RuleContext:
    """What the rules know beyond one candidate: the recent mention volume, at `now`."""

    now: datetime
    last_day: int = 0  # stored mentions of the last 24 h
    daily_mean: float = 0.0  # stored mentions a day over the 28 days before those 24 h
    # New candidates of this batch already evaluated with this context: they are not stored
    # yet, but a batch of 30 new mentions in one poll is itself a spike.
    added: int = field(default=0)

    def count_in(self, published_at: datetime | None) -> int:
        """Mentions in the last 24 h counting one more (a new candidate published then)."""
        if published_at is None or self.now - DAY <= published_at <= self.now + DAY:
            self.added += 1
        return self.last_day + self.added


def load_context(tx: Transaction, now: datetime) -> RuleContext:
    """The rule context at `now`, read from storage."""
    last_day = mentions.count_published(tx, now - DAY, now + DAY)
    before = mentions.count_published(tx, now - DAY - NORM_DAYS * DAY, now - DAY)
    return RuleContext(now=now, last_day=last_day, daily_mean=before / NORM_DAYS)
