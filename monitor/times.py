"""How a time is written wherever it leaves the program: ISO 8601 in UTC with a Z.

JSON output, incident logs, messages and adapters' cursors all spell times this one way. The
module is the lowest layer: `sources/` imports it as it imports `monitor.model`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal


def utc_iso(moment: datetime, timespec: Literal["auto", "seconds"] = "auto") -> str:
    """`moment` in UTC with a Z: 2026-11-25T10:00:00.250000Z, or to the second with "seconds"."""
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")
