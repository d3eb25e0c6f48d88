"""Times an adapter saves in its own cursor, and reads back: ISO 8601 in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.times import utc_iso


def saved_iso(moment: datetime | None) -> str | None:
    """`moment` as ISO 8601 UTC for a cursor (`monitor.times.utc_iso`); None stays None."""
    return None if moment is None else utc_iso(moment)


def saved_time(value: object) -> datetime | None:
    """A time saved by `saved_iso` (aware, UTC); None when absent, garbled or without a zone."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.utcoffset() is not None else None
