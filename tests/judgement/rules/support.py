"""Rule tests' setup: a candidate scored as the scan scores it, the alerts an evaluation raised."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from monitor.judgement.rules import Candidate, Evaluation
from monitor.judgement.sentiment import SentimentScorer
from monitor.model import Item, RevisionFacts, Severity
from storage.mentions import StoredText

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
SCORER = SentimentScorer()


def candidate(
    text: str,
    *,
    title: str | None = None,
    item_type: str = "entry",
    source_type: str = "feed",
    rating: float | None = None,
    extra: dict[str, Any] | None = None,
    facts: RevisionFacts | None = None,
    is_new: bool = True,
    baseline: bool = False,
    previous: StoredText | None = None,
    published_at: datetime | None = None,
) -> Candidate:
    """A candidate scored as the scan scores it (title first)."""
    item = Item(
        external_id="x1",
        item_type=item_type,
        text=text,
        title=title,
        rating=rating,
        extra=extra or {},
        published_at=published_at,
        facts=facts,
    )
    sentiment = SCORER.score_item(title, text) if (text.strip() or title) else None
    return Candidate("src", source_type, item, sentiment, is_new, baseline, previous)


def raised(evaluation: Evaluation) -> dict[str, Severity]:
    """rule -> severity of the alerts raised."""
    return {alert.rule: alert.severity for alert in evaluation.alerts}
