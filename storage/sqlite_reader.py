"""A SQLite database read with the standard library's sqlite3 alone, for read-only commands.

    reader = open_sqlite_reader(url)    # None: not a plain SQLite file at the code's revision
    if reader is not None:
        with reader:
            found = mention_reading.list_mentions(reader, limit=50)

Only a database that needs nothing is read here: a file that exists, at `storage.revisions.HEAD`.
Anything else (no file yet, an older schema, a URL with options, PostgreSQL) gives None, and the
caller opens a `Store`, which creates or migrates it. The connection reads as the engine's do:
a 30 s busy timeout, a deferred (read-only) transaction, and `query_only` so nothing here can
write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote

from storage.errors import StorageError
from storage.revisions import HEAD, VERSION_TABLE

BUSY_TIMEOUT_SECONDS = 30  # as storage.engines: wait for a writer's commit, never fail at once
SCHEMES = ("sqlite:///", "sqlite+pysqlite:///")


class SqliteReader:
    """One read-only transaction on a SQLite file; a `storage.reader.Reader`."""

    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection, display: str) -> None:
        self._connection = connection
        self._display = display
        self._connection.execute("BEGIN DEFERRED")

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[Mapping[str, Any]]:
        """Every row of `sql`, as column name -> sqlite3's value."""
        try:
            cursor = self._connection.execute(sql, tuple(parameters))
        except sqlite3.Error as error:
            # The driver's message names no parameter values.
            raise StorageError(f"database error in {self._display}: {error}") from None
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        """End the transaction (nothing to keep) and close the connection."""
        try:
            self._connection.rollback()
        finally:
            self._connection.close()

    def __enter__(self) -> SqliteReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def sqlite_path(url: str) -> Path | None:
    """The file of a plain `sqlite:///PATH` URL; None for any other URL or one with options."""
    scheme = next((scheme for scheme in SCHEMES if url.startswith(scheme)), None)
    if scheme is None or "?" in url:
        return None
    path = unquote(url[len(scheme) :])
    return None if path in ("", ":memory:") else Path(path).expanduser()


def open_sqlite_reader(url: str) -> SqliteReader | None:
    """A reader on the SQLite file at `url` if it exists at HEAD; None if a Store must open it."""
    path = sqlite_path(url)
    if path is None or not path.is_file():
        return None
    display = f"sqlite:///{path}"
    try:
        # isolation_level None: BEGIN and its end are ours, as in storage.engines.
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    except sqlite3.Error as error:
        raise StorageError(f"cannot open {display}: {error}") from None
    try:
        connection.execute("PRAGMA query_only = ON")
        if revision(connection) != HEAD:
            connection.close()
            return None
        return SqliteReader(connection, display)
    except sqlite3.Error as error:
        connection.close()
        raise StorageError(f"cannot open {display}: {error}") from None


def revision(connection: sqlite3.Connection) -> str | None:
    """The file's schema revision (Alembic's table), or None when it has none."""
    [has_table] = connection.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (VERSION_TABLE,)
    ).fetchone()
    if not has_table:
        return None
    found = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()  # noqa: S608
    return str(found[0][0]) if len(found) == 1 else None
