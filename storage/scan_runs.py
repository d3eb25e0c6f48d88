"""Scan runs: when each scan started and finished, what triggered it, and each source's outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.database import Transaction
from storage.schema import TRIGGER_VALUES, scan_run


@dataclass(frozen=True, slots=True)
class ScanRun:
    """One scan; `outcomes` maps source names to outcome and counts (empty while running)."""

    id: int
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    outcomes: Mapping[str, Mapping[str, Any]]


def start(tx: Transaction, *, trigger: str, now: datetime) -> int:
    """Record a scan starting now; returns its id. `trigger` is "manual" or "scheduled"."""
    if trigger not in TRIGGER_VALUES:
        raise ValueError(f"trigger must be one of {', '.join(TRIGGER_VALUES)}, not {trigger!r}")
    run_id: int = tx.connection.execute(
        sa.insert(scan_run)
        .values(trigger=trigger, started_at=now, outcomes={})
        .returning(scan_run.c.id)
    ).scalar_one()
    return run_id


def finish(
    tx: Transaction, run_id: int, *, now: datetime, outcomes: Mapping[str, Mapping[str, Any]]
) -> None:
    """Record the scan's end and each source's outcome (JSON-serialisable values)."""
    result = tx.connection.execute(
        sa.update(scan_run)
        .where(scan_run.c.id == run_id)
        .values(
            finished_at=now,
            outcomes={source: dict(outcome) for source, outcome in outcomes.items()},
        )
    )
    if result.rowcount != 1:
        raise LookupError(f"no scan run {run_id}")


def latest(tx: Transaction, limit: int = 10) -> list[ScanRun]:
    """The most recent scans, newest first."""
    rows = tx.connection.execute(
        sa.select(scan_run)
        .order_by(scan_run.c.started_at.desc(), scan_run.c.id.desc())
        .limit(limit)
    )
    return [
        ScanRun(
            id=row.id,
            trigger=row.trigger,
            started_at=row.started_at,
            finished_at=row.finished_at,
            outcomes=row.outcomes,
        )
        for row in rows
    ]
