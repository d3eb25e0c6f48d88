"""What a scan reports: one outcome per source, the report of the whole pass, and its words."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from monitor.model import Alert, Health, ScanStatus
from sources.common.text import masked_line
from storage import scan_runs
from storage.database import Store

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from monitor.model import FetchResult
    from monitor.scan.claims import Claim
    from monitor.scan.ingest import Scored
    from sources.http import PoliteClient
    from storage.source_state import Recorded


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


class UnknownSourceError(ValueError):
    """`--source NAME` names no configured source."""


@dataclass
class PollProgress:
    """Where a source's poll has got to, for the one-line message if it fails."""

    requests_before: int
    stage: str = "claim"

    def requests(self, http: PoliteClient) -> int:
        """Requests made since the poll began (approximate while sources run concurrently)."""
        return http.requests_made - self.requests_before


def dry_run_counts(scored: Sequence[Scored]) -> dict[str, int]:
    """What a dry run would have stored."""
    new = sum(1 for entry in scored if entry.is_new)
    return {
        "new": new,
        "updated": len(scored) - new,
        "negative": sum("negative" in entry.evaluation.labels for entry in scored),
    }


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


def record_start(store: Store, trigger: str, now: datetime) -> int:
    """The scan_run row of a scan starting now; its id."""
    with store.transaction() as tx:
        return scan_runs.start(tx, trigger=trigger, now=now)


def record_finish(
    store: Store, run_id: int, now: datetime, outcomes: Sequence[SourceOutcome]
) -> None:
    """Close a scan_run row with every source's outcome; a failure here is only logged."""
    try:
        with store.transaction() as tx:
            records = {outcome.name: outcome.to_json() for outcome in outcomes}
            scan_runs.finish(tx, run_id, now=now, outcomes=records)
    except Exception as error:  # never hide the scan's own result behind this
        log.error("could not record the end of scan %s: %s", run_id, one_line(error))


@dataclass(frozen=True, slots=True)
class Committed:
    """What the commit stage wrote."""

    counts: Mapping[str, int]
    recorded: Recorded
    alerts: list[Alert]


def ok_outcome(
    claim: Claim,
    result: FetchResult,
    requests: int,
    counts: Mapping[str, int],
    baseline: bool,
    committed: Committed | None = None,
) -> SourceOutcome:
    """The outcome of a poll that succeeded (stored, idle, or a dry run's counts)."""
    return SourceOutcome(
        claim.name,
        claim.source.type,
        ScanStatus.OK,
        fetched=len(result.items),
        new=counts.get("new", 0),
        updated=counts.get("updated", 0),
        negative=counts.get("negative", 0),
        alerts=len(committed.alerts) if committed else 0,
        requests=result.requests or requests,
        baseline=baseline,
        recovered=committed.recorded.recovered if committed else False,
        skipped=result.skipped.count,
        skipped_reasons=result.skipped.reasons,
    )
