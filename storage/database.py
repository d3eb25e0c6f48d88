"""The Store: an engine on the configured database, its migrations, and transactions.

    store = Store.open(config.storage.url)        # migrates to the newest schema
    with store.transaction() as tx:                # commits on success, rolls back on error
        mentions.add_or_update(tx, ...)

Errors: `StorageError` when the database cannot be opened, reached, migrated or locked. Its
message names the database with the password hidden and never carries SQL parameters.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import sqlalchemy as sa

from storage.engines import create_engine, read_only_options
from storage.errors import StorageError
from storage.revisions import MigrationError, current_revision, upgrade_to_head


@dataclass(frozen=True, slots=True)
class Transaction:
    """One open transaction; storage functions take it first and never commit it themselves."""

    connection: sa.Connection

    @property
    def dialect(self) -> str:
        """The backend's name: "sqlite" or "postgresql"."""
        return self.connection.dialect.name

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[Mapping[str, Any]]:
        """Every row of plain SQL (storage.reader's placeholders), as the driver's values."""
        result = self.connection.exec_driver_sql(sql, tuple(parameters))
        return [dict(row) for row in result.mappings()]

    def dialect_insert(self) -> Any:
        """The backend's `insert` (with ON CONFLICT), its dialect module imported on first use."""
        # A SQLite user's command need not load the PostgreSQL dialect and its drivers' modules.
        if self.dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            return postgresql.insert
        from sqlalchemy.dialects import sqlite

        return sqlite.insert


class Store:
    """The database of one monitor: opened from a URL, used through transactions."""

    def __init__(self, engine: sa.Engine, url: sa.URL) -> None:
        self.engine = engine
        self.url_for_display: str = url.render_as_string(hide_password=True)
        self._password = url.password
        # SQLite has one writer at a time. Threads of this process that wait for it through
        # SQLite's busy handler sleep in growing steps (up to 100 ms) and lose most of their
        # time when many commit at once (a scan of hundreds of sources); waiting on this lock
        # instead hands the database over at once. Other processes still wait in SQLite.
        self._writer = threading.Lock() if engine.dialect.name == "sqlite" else None

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True) -> Store:
        """A Store on `url`, migrated to the newest schema unless `upgrade` is False."""
        parsed = parse_url(url)
        display = parsed.render_as_string(hide_password=True)
        try:
            engine = create_engine(parsed)
        except (ValueError, OSError) as error:  # our own words, or a path: no password in them
            raise StorageError(f"cannot open {display}: {error}") from None
        except (ImportError, sa.exc.SQLAlchemyError) as error:
            raise StorageError(f"cannot open {display}: {describe(error, parsed)}") from None
        store = cls(engine, parsed)
        try:
            if upgrade:
                store.upgrade()
            else:
                store.ping()
        except BaseException:
            store.close()
            raise
        return store

    def upgrade(self) -> str:
        """Apply the migrations this database lacks; returns its revision afterwards."""
        with self.translate_errors("cannot migrate"):
            return upgrade_to_head(self.engine)

    def revision(self) -> str | None:
        """The database's schema revision (None before the first upgrade)."""
        with self.translate_errors("cannot read the schema revision of"):
            return current_revision(self.engine)

    def ping(self) -> None:
        """Raise StorageError unless the database answers."""
        with self.transaction(read_only=True) as tx:
            tx.connection.execute(sa.select(sa.literal(1))).scalar_one()

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Transaction]:
        """A transaction that commits when the block ends and rolls back if it raises.

        On SQLite a write transaction holds the write lock from its start (BEGIN IMMEDIATE);
        `read_only=True` begins a deferred one that waits for no writer.
        """
        writer = None if read_only else self._writer
        with ExitStack() as held:
            if writer is not None:
                held.enter_context(writer)
            with self.translate_errors("database error in"), self.engine.connect() as connection:
                if read_only:
                    connection.execution_options(**read_only_options(self.engine))
                with connection.begin():
                    yield Transaction(connection)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url_for_display!r})"

    @contextmanager
    def translate_errors(self, doing: str) -> Iterator[None]:
        """Turn driver and migration errors into StorageError, scrubbed of the password."""
        try:
            yield
        except (sa.exc.SQLAlchemyError, MigrationError) as error:
            message = scrub(describe_error(error), self._password)
            # `from None`: the driver's exception text can carry SQL parameters.
            raise StorageError(f"{doing} {self.url_for_display}: {message}") from None


def upgrade(url: str) -> str:
    """Migrate the database at `url` to the newest schema; returns the head revision id."""
    with Store.open(url, upgrade=False) as store:
        return store.upgrade()


def parse_url(url: str) -> sa.URL:
    """The parsed URL; StorageError (which cannot quote it: it may hold a password) if invalid."""
    try:
        return sa.make_url(url)
    except sa.exc.ArgumentError:
        raise StorageError(
            "storage.url is not a database URL: expected sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST/DATABASE"
        ) from None


def describe(error: BaseException, url: sa.URL) -> str:
    """A one-paragraph reason for `error`, with the URL's password removed."""
    return scrub(describe_error(error), url.password)


def describe_error(error: BaseException) -> str:
    """The driver's own message for a DBAPI error (no SQL, no parameters), else str(error)."""
    if isinstance(error, sa.exc.DBAPIError) and error.orig is not None:
        text = str(error.orig)
        if isinstance(error, sa.exc.IntegrityError | sa.exc.DataError):
            # Their DETAIL lines quote the offending values: stored text, not for a log line.
            text = text.splitlines()[0] if text else ""
    elif isinstance(error, sa.exc.StatementError):
        # Its str() appends the SQL and parameters; the cause alone says what went wrong.
        text = str(error.orig) if error.orig is not None else type(error).__name__
    else:
        text = str(error)
    return " ".join(text.split()) or type(error).__name__


def scrub(text: str, password: str | None) -> str:
    """`text` with every occurrence of `password` replaced by ***."""
    return text.replace(password, "***") if password else text
