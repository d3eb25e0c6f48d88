"""The scan_run records: one row a scan, opened when it starts and closed with every outcome."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from monitor.scan.report import SourceOutcome, one_line
from storage import scan_runs
from storage.database import Store

log = logging.getLogger(__name__)


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
