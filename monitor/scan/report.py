"""What a scan reports: one outcome per source, the report of the whole pass, and its words.

Imports no stage of the scan: the CLI, the daemon and the health rule read it without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.model import Alert, Health, ScanStatus
from sources.common.text import masked_line


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """What happened to one source in a scan."""

    name: str
    type: str
    status: ScanStatus
    fetched: int = 0
    new: int = 0
    updated: int = 0
    negative: int = 0
    alerts: int = 0
    requests: int = 0
    baseline: bool = False
    error: str | None = None
    health: Health = Health.OK
    retry_at: datetime | None = None
    consecutive_failures: int = 0  # after this poll, for the source-health rule
    recovered: bool = False  # this poll succeeded after failures or an unhealthy state
    skipped: int = 0  # unreadable items the poll left out (the rest were stored)
    skipped_reasons: tuple[str, ...] = ()  # a few of the parser's one-line reasons
    lag: float | None = None  # seconds from due to start, for a poll the daemon scheduled

    def to_json(self) -> dict[str, Any]:
        """A JSON-able record for scan_run.outcomes."""
        record: dict[str, Any] = {
            key: getattr(self, key)
            for key in ("fetched", "new", "updated", "negative", "alerts", "requests", "skipped")
        }
        record.update(
            type=self.type,
            status=str(self.status),
            baseline=self.baseline,
            error=self.error,
            health=str(self.health),
            consecutive_failures=self.consecutive_failures,
            recovered=self.recovered,
            skipped_reasons=list(self.skipped_reasons),
        )
        record["retry_at"] = self.retry_at.isoformat() if self.retry_at else None
        if self.lag is not None:
            record["lag"] = round(self.lag, 3)
        return record


@dataclass(frozen=True, slots=True)
class ScanReport:
    """The outcome of one scan."""

    run_id: int | None
    started_at: datetime
    finished_at: datetime
    outcomes: list[SourceOutcome] = field(default_factory=list)
    new_alerts: list[Alert] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when a source failed (rate limits, locks and lost leases are not failures)."""
        return any(outcome.status is ScanStatus.FAILED for outcome in self.outcomes)

    @property
    def locked(self) -> list[str]:
        """Sources skipped because another scan holds them."""
        return [o.name for o in self.outcomes if o.status is ScanStatus.LOCKED]


def skipped_note(outcome: SourceOutcome) -> str:
    """The warning for a poll that skipped unreadable items ("" when it skipped none)."""
    if not outcome.skipped:
        return ""
    noun = "item" if outcome.skipped == 1 else "items"
    note = f"{outcome.skipped} unreadable {noun} skipped, the rest stored"
    return f"{note}: {'; '.join(outcome.skipped_reasons)}" if outcome.skipped_reasons else note


def internal_error(stage: str, source_type: str, error: BaseException) -> str:
    """One line for an unexpected exception: where, what kind, and its safe first line."""
    where = "the " + source_type + " adapter" if stage == "fetch" else f"the {stage} stage"
    return f"unexpected error in {where}: {type(error).__name__}: {one_line(error)}"


def one_line(error: BaseException, limit: int = 300) -> str:
    """An exception's message on one line, secrets masked, then cut short."""
    return masked_line(str(error).strip() or type(error).__name__, limit)
