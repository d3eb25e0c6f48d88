"""Times an adapter saves in its own cursor, and reads back: ISO 8601 in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def saved_iso(moment: datetime | None) -> str | None:
    """`moment` as ISO 8601 UTC for a cursor; None stays None."""
    return None if moment is None else moment.astimezone(UTC).isoformat()


def saved_time(value: object) -> datetime | None:
    """A time saved by `saved_iso` (aware, UTC); None when absent, garbled or without a zone."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.utcoffset() is not None else None


def iso_seconds(moment: datetime) -> str:
    """ISO 8601 in UTC to the second, with a Z: 2026-11-25T10:00:00Z (messages and cursors)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
