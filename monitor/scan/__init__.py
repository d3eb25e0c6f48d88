"""The scan: one pass over the sources, as named stages (the order is in `scanner`).

    claims    leasing the sources a scan may poll now
    leases    who holds a source, and keeping a lease alive while it is polled
    pacing    when a source is due again (jitter, failure backoff)
    attribution  which schools each item is about (a trust)
    ingest    score, evaluate and write items (shared with the webhook receiver)
    poll      one source's poll: how far it got, what its commit wrote, its outcome
    report    what a scan reports, and its words (imports no stage)
    runs      the scan_run records
    rescore   the score and evaluate stages again, over stored mentions
    scanner   the stages in order, each source one guarded unit

`run_scan`, `Scanner`, `ScanReport` and `SourceOutcome` are exported, imported on first use:
a command that only reads a report (`monitor status`) must not pay for the scanner, the HTTP
client and the scorer by importing one module of this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.scan.report import ScanReport, SourceOutcome
    from monitor.scan.scanner import Scanner, run_scan

__all__ = ["ScanReport", "Scanner", "SourceOutcome", "run_scan"]

_EXPORTS = {
    "ScanReport": "monitor.scan.report",
    "SourceOutcome": "monitor.scan.report",
    "Scanner": "monitor.scan.scanner",
    "run_scan": "monitor.scan.scanner",
}


def __getattr__(name: str) -> Any:
    """The exported names, each imported from its module when first asked for (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'monitor.scan' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
