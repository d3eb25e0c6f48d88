"""Alembic, configured in code: upgrade a database to the newest schema, read its revision."""

from __future__ import annotations

import functools
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from storage.engines import read_only_options

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic config for our migrations, without an alembic.ini; `connection` runs them."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str:
    """The newest revision the code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head


def upgrade_to_head(engine: sa.Engine) -> str:
    """Apply every migration the database lacks; returns the revision it is now at."""
    if current_revision(engine) == head_revision():
        # The common case: skip Alembic's machinery and its log lines on every open.
        return head_revision()
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "head")
    revision = current_revision(engine)
    if revision is None:
        raise RuntimeError("the upgrade left the database without a revision")
    return revision


def current_revision(engine: sa.Engine) -> str | None:
    """The database's revision, or None for an empty database."""
    with engine.connect() as connection:
        connection.execution_options(**read_only_options(engine))
        return MigrationContext.configure(connection).get_current_revision()
