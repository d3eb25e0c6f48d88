"""Rules: from a mention about to be stored, its labels and the alerts it should raise.

    rules = Rules.from_config(config)
    rules.evaluate(candidate) -> Evaluation(labels, alerts)

`evaluate` is pure: it reads the candidate (the item, its sentiment, whether it is new, whether
it is baseline history) and the school's settings, and returns labels (facts about the text,
stored with the mention and filterable) and `AlertDraft`s (what the SLT should be told). The
scan's commit stage stores both in the same transaction as the mention. A baseline candidate
(first poll, or history an adapter read only to know where to start) raises no alert.

Each alert's `dedupe_key` is "<rule>:<source>:<external_id>", so one (rule, mention) pair
raises at most one alert ever, however often the mention is edited or re-scanned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.config import Config
from monitor.model import AlertDraft, Item, Label, Sentiment
from sources.common.words import AliasMatcher

POSITIVE_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class Candidate:
    """A new or changed item on its way to storage, with what the scan knows about it."""

    source: str
    source_type: str
    item: Item
    sentiment: Sentiment | None
    is_new: bool  # first time stored (False: an edit of a stored mention)
    baseline: bool  # history: stored, never alerted


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What the rules decided for one candidate."""

    labels: tuple[str, ...]
    alerts: tuple[AlertDraft, ...] = ()


class Rules:
    """The school's rules, built once per scan from config."""

    def __init__(self, *, negative_threshold: float, staff: Sequence[str]) -> None:
        self._negative_threshold = negative_threshold
        self._staff = AliasMatcher(staff)

    @classmethod
    def from_config(cls, config: Config) -> Rules:
        """Rules with the thresholds and word lists of `config`."""
        return cls(
            negative_threshold=config.alerts.negative_threshold,
            staff=config.school.staff,
        )

    def evaluate(self, candidate: Candidate) -> Evaluation:
        """Labels and alert drafts for one candidate."""
        return Evaluation(tuple(self.labels(candidate.item, candidate.sentiment)))

    def labels(self, item: Item, sentiment: Sentiment | None) -> list[str]:
        """Sorted labels: negative|positive|neutral, low_rating, staff_named."""
        labels: list[str] = []
        if sentiment is not None:
            if sentiment.compound <= self._negative_threshold:
                labels.append(Label.NEGATIVE)
            elif sentiment.compound >= POSITIVE_THRESHOLD:
                labels.append(Label.POSITIVE)
            else:
                labels.append(Label.NEUTRAL)
        if item.rating is not None and item.rating <= 2:
            labels.append(Label.LOW_RATING)
        if self._staff.matches(item.title, item.text):
            labels.append(Label.STAFF_NAMED)
        return sorted(str(label) for label in labels)


def dedupe_key(rule: str, source: str, external_id: str) -> str:
    """The once-ever key of a (rule, mention) alert."""
    return f"{rule}:{source}:{external_id}"
