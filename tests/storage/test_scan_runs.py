"""Scan runs: start, finish with outcomes, newest first."""

from __future__ import annotations

from typing import Any

import pytest

from storage import scan_runs
from storage.database import Store
from tests.storage.factories import HOUR, NOW


def test_runs_are_recorded_with_outcomes_and_listed_newest_first(store: Store) -> None:
    outcomes: dict[str, dict[str, Any]] = {
        "wiki": {"outcome": "ok", "new": 2, "updated": 0, "alerts": 1},
        "google": {"outcome": "failing", "error": "HTTP 503"},
    }
    with store.transaction() as tx:
        first = scan_runs.start(tx, trigger="scheduled", now=NOW)
        scan_runs.finish(tx, first, now=NOW + HOUR / 60, outcomes=outcomes)
        second = scan_runs.start(tx, trigger="manual", now=NOW + HOUR)
        runs = scan_runs.latest(tx)
    assert runs == [
        scan_runs.ScanRun(second, "manual", NOW + HOUR, None, {}),
        scan_runs.ScanRun(first, "scheduled", NOW, NOW + HOUR / 60, outcomes),
    ]


def test_latest_honours_the_limit(store: Store) -> None:
    with store.transaction() as tx:
        ids = [scan_runs.start(tx, trigger="manual", now=NOW + n * HOUR) for n in range(4)]
        assert [run.id for run in scan_runs.latest(tx, limit=2)] == ids[:1:-1]


def test_an_unknown_trigger_or_run_is_refused(store: Store) -> None:
    with store.transaction() as tx:
        with pytest.raises(ValueError, match="cron"):
            scan_runs.start(tx, trigger="cron", now=NOW)
        with pytest.raises(LookupError, match="999"):
            scan_runs.finish(tx, 999, now=NOW, outcomes={})
