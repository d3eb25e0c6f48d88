"""Alembic, configured in code: upgrade a database to the newest schema, read its revision.

Opening a database that is already at `HEAD` (every command but the first after an upgrade)
reads `alembic_version` with one query and never imports Alembic, which costs a read-only
command more time than its query; a test holds `HEAD` equal to the migrations' own head.
SQLAlchemy too is imported by the functions that use it, not by this module: the read path
that avoids it (storage.sqlite_reader) needs `HEAD` alone.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest revision in migrations/versions/: a new migration changes it (a test checks).
HEAD = "0013"
VERSION_TABLE = "alembic_version"


class MigrationError(Exception):
    """Alembic could not apply the migrations (its own message, which holds no SQL values)."""


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic config for our migrations, without an alembic.ini; `connection` runs them."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str:
    """The newest revision in the migration scripts, as Alembic reads them."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head


def upgrade_to_head(engine: sa.Engine) -> str:
    """Apply every migration the database lacks; returns the revision it is now at."""
    if current_revision(engine) == HEAD:
        # The common case: skip Alembic's import, its machinery and its log lines on every open.
        return HEAD
    from alembic import command
    from alembic.util.exc import CommandError

    with engine.connect() as connection:
        try:
            command.upgrade(alembic_config(connection), "head")
        except CommandError as error:
            raise MigrationError(str(error)) from None
    revision = current_revision(engine)
    if revision is None:
        raise RuntimeError("the upgrade left the database without a revision")
    return revision


def current_revision(engine: sa.Engine) -> str | None:
    """The database's revision, or None for an empty database."""
    import sqlalchemy as sa

    from storage.engines import read_only_options

    with engine.connect() as connection:
        connection.execution_options(**read_only_options(engine))
        if not sa.inspect(connection).has_table(VERSION_TABLE):
            return None
        version = sa.table(VERSION_TABLE, sa.column("version_num", sa.String))
        found = connection.execute(sa.select(version.c.version_num)).scalars().all()
    if len(found) > 1:
        # A branched history, which ours never has: Alembic's own upgrade says what is wrong.
        raise MigrationError(f"{VERSION_TABLE} holds {len(found)} revisions; expected one")
    return found[0] if found else None
