"""Plain SQL for reading, the same text on SQLite and PostgreSQL, run by whoever holds a connection.

A `Reader` is anything that runs one SELECT and returns its rows as mappings of column name to
the driver's value: a `storage.database.Transaction` (through SQLAlchemy, either backend) or a
`storage.sqlite_reader.SqliteReader` (the standard library's sqlite3 alone). Read functions
written against it (storage.mention_reading) serve both; the second is what keeps SQLAlchemy's
import, about two thirds of a listing command's time, out of `monitor mentions` on SQLite.

Values come back as the driver gives them: on SQLite a time is text ("2026-01-05 08:30:00.000000",
SQLAlchemy's storage format, naive UTC) and JSON is text; on PostgreSQL they are an aware
datetime and parsed JSON. `utc_time` and `json_value` read either. A time compared in SQL is
bound with `bind_time`, in the form the column holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

# SQLAlchemy's text form of a DateTime on SQLite; a SQLite column compares as text, so a bound
# time must be written the same way to compare in time order.
SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


class Reader(Protocol):
    """Runs one SELECT of plain SQL (placeholders from `mark`) and returns its rows."""

    @property
    def dialect(self) -> str:
        """The backend's name: "sqlite" or "postgresql"."""
        ...

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[Mapping[str, Any]]:
        """Every row of `sql` run with `parameters`, as column name -> driver value."""
        ...


def mark(dialect: str) -> str:
    """The driver's positional placeholder: sqlite3's "?" or psycopg's "%s"."""
    return "?" if dialect == "sqlite" else "%s"


def marks(dialect: str, count: int) -> str:
    """`count` placeholders separated by commas, for IN (...)."""
    return ", ".join([mark(dialect)] * count)


def bind_time(dialect: str, moment: datetime) -> Any:
    """An aware time as the column holds it: naive UTC text on SQLite, itself on PostgreSQL."""
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: storage takes aware UTC times")
    utc = moment.astimezone(UTC)
    return utc.replace(tzinfo=None).strftime(SQLITE_TIME_FORMAT) if dialect == "sqlite" else utc


def utc_time(value: datetime | str | None) -> datetime | None:
    """A stored time as an aware UTC datetime, from SQLite's text or a driver's datetime."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def json_value(value: Any) -> Any:
    """A stored JSON array or object: SQLite's text parsed, or what a driver already parsed.

    Only for columns that hold arrays or objects (labels, extra, words): a parsed JSON string
    would be taken for text to parse.
    """
    return json.loads(value) if isinstance(value, str | bytes) else value
