"""SQLAlchemy engines for the two supported backends, SQLite files and PostgreSQL (psycopg 3).

SQLite gets WAL (readers never block the writer), synchronous=FULL (a committed alert survives
a power cut), a 30 s busy timeout, foreign keys, and `BEGIN IMMEDIATE` for every write
transaction so two writers queue at BEGIN instead of failing half-way with "database is locked".
That uses SQLAlchemy's documented pysqlite recipe: the driver's own BEGIN is switched off and
the engine's "begin" event emits ours.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from monitor.private_files import create_private

log = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 30
CONNECT_TIMEOUT_SECONDS = 10
# Execution option set on a Connection whose transaction only reads: SQLite then begins it
# DEFERRED (no write lock), PostgreSQL marks it READ ONLY.
READ_ONLY = "monitor_read_only"

SQLITE_PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
)
WAL_RETRY_SECONDS = 0.02


def create_engine(url: sa.URL) -> sa.Engine:
    """An engine for `url` with our settings; ValueError for a backend we do not support."""
    backend, driver = url.get_backend_name(), url.get_driver_name()
    if (backend, driver) == ("sqlite", "pysqlite"):
        return sqlite_engine(url)
    if (backend, driver) == ("postgresql", "psycopg"):
        return postgresql_engine(url)
    name = backend if url.drivername == backend else url.drivername
    raise ValueError(f"unsupported database {name!r}: use sqlite:///PATH or postgresql+psycopg://")


def sqlite_engine(url: sa.URL) -> sa.Engine:
    """A SQLite engine on a file (it and its folder created, owner only, if missing)."""
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        # Each pooled connection would see its own empty database.
        raise ValueError("an in-memory SQLite database cannot be shared: give a file path")
    if "uri" not in url.query:
        path = Path(database).expanduser()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Made 0600 before SQLite opens it: SQLite would make it 0644 under umask 022, and it
        # gives the -wal and -shm files the database file's own permissions.
        if not create_private(path) and path.stat().st_mode & 0o006:
            log.warning(
                "the database %s is open to every user of this machine: chmod 600 it,"
                " and its -wal and -shm files if present",
                path,
            )
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
    sa.event.listen(engine, "connect", configure_sqlite_connection)
    sa.event.listen(engine, "begin", begin_sqlite_transaction)
    return engine


def configure_sqlite_connection(dbapi_connection: Any, connection_record: Any) -> None:
    """Hand BEGIN over to SQLAlchemy and set our pragmas on a new pysqlite connection."""
    # None stops pysqlite from emitting its own (deferred) BEGIN before DML.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma).fetchall()
        switch_to_wal(cursor)
    finally:
        cursor.close()


def switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """Put the database file in WAL mode (a persistent setting; a no-op once done)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            [mode] = cursor.execute("PRAGMA journal_mode = WAL").fetchone()
            break
        except sqlite3.OperationalError as error:
            # Changing the journal mode answers SQLITE_BUSY at once, without the busy handler,
            # when another process opens the same new file at the same moment.
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(WAL_RETRY_SECONDS)
    if mode != "wal":
        log.warning("SQLite kept journal_mode=%s: its file system does not support WAL", mode)


def begin_sqlite_transaction(connection: sa.Connection) -> None:
    """Begin IMMEDIATE (take the write lock now), or DEFERRED for a read-only transaction."""
    mode = "DEFERRED" if connection.get_execution_options().get(READ_ONLY) else "IMMEDIATE"
    connection.exec_driver_sql(f"BEGIN {mode}")


def postgresql_engine(url: sa.URL) -> sa.Engine:
    """A PostgreSQL engine that fails fast when the server is unreachable."""
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def read_only_options(engine: sa.Engine) -> dict[str, Any]:
    """Execution options that make a connection's transactions read-only on this backend."""
    if engine.dialect.name == "postgresql":
        return {READ_ONLY: True, "postgresql_readonly": True}
    return {READ_ONLY: True}
