"""One source's poll in a scan: how far it got, what its commit wrote, and its outcome."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitor.model import Alert, FetchResult, ScanStatus
from monitor.scan.claims import Claim
from monitor.scan.ingest import Scored
from monitor.scan.report import SourceOutcome
from sources.http import PoliteClient
from storage.source_state import Recorded


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
