"""The scan: one pass over the sources, as named stages (the order is in `scanner`).

    claims    leasing the sources a scan may poll now
    leases    who holds a source, and keeping a lease alive while it is polled
    pacing    when a source is due again (jitter, failure backoff)
    ingest    score, evaluate and write items (shared with the webhook receiver)
    report    what a scan reports, and its words (imports no stage)
    runs      the scan_run records
    rescore   the score and evaluate stages again, over stored mentions
    scanner   the stages in order, each source one guarded unit

Importing the package imports the scanner (and with it the HTTP client and the scorer);
commands that only read the database import `storage` and `monitor.config` instead.
"""

from monitor.scan.report import ScanReport, SourceOutcome
from monitor.scan.scanner import Scanner, run_scan

__all__ = ["ScanReport", "Scanner", "SourceOutcome", "run_scan"]
