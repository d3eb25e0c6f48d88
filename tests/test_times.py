"""One way to write a time: ISO 8601 in UTC with a Z, from one function."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from monitor.times import utc_iso
from sources.common.times import saved_iso, saved_time

ROOT = Path(__file__).parents[1]
# Ways a module could spell "ISO with a Z" itself instead of calling utc_iso.
OWN_FORMATTERS = re.compile(r"""strftime\(["']%Y-%m-%dT|\.replace\(["']\+00:00["'], ["']Z["']\)""")


def test_utc_with_a_z_to_the_microsecond_or_the_second() -> None:
    moment = datetime(2026, 11, 25, 11, 0, 0, 250000, tzinfo=timezone(timedelta(hours=1)))
    assert utc_iso(moment) == "2026-11-25T10:00:00.250000Z"
    assert utc_iso(moment, "seconds") == "2026-11-25T10:00:00Z"
    assert utc_iso(datetime(2026, 11, 25, 10, tzinfo=UTC)) == "2026-11-25T10:00:00Z"


def test_a_cursor_time_reads_back_as_it_was_saved() -> None:
    moment = datetime(2026, 11, 25, 10, 0, 0, 1, tzinfo=UTC)
    assert saved_iso(moment) == "2026-11-25T10:00:00.000001Z"
    assert saved_time(saved_iso(moment)) == moment


def test_no_module_writes_iso_times_its_own_way() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("monitor", "sources", "storage")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "monitor" / "times.py"
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if OWN_FORMATTERS.search(line)
    ]
    assert found == []
