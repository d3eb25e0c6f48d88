"""A mention may be an Ofsted `report` (item type), kept by ck_mention_item_type.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10

Only the CHECK's list of item types widens: no row changes. The list is read from the database
and 'report' added to it (or taken out on downgrade), so this composes with any other migration
that adds a type. PostgreSQL drops and re-adds the constraint. SQLite cannot alter a CHECK, and
rebuilding `mention` (Alembic's batch mode) drops the old table with foreign keys on, which
deletes every mention_version row through ON DELETE CASCADE; so the table's stored SQL is edited
in place, as SQLite documents for loosening a constraint ("Making Other Kinds Of Table Schema
Changes": writable_schema, then a new schema_version, then integrity_check), all inside the
migration's transaction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TYPE = "report"
CONSTRAINT = "ck_mention_item_type"
# The CHECK as 0001 wrote it (SQLite keeps this text), or as PostgreSQL prints it back.
SQLITE_CHECK = re.compile(r"item_type IN \(([^)]*)\)")
VALUE = re.compile(r"'([a-z_]+)'")


def upgrade() -> None:
    """Allow item_type 'report'."""
    change_item_types(lambda types: [*types, TYPE] if TYPE not in types else types)


def downgrade() -> None:
    """Remove the report mentions (their versions go with them; their alerts keep no mention)."""
    connection = op.get_bind()
    connection.execute(sa.text("DELETE FROM mention WHERE item_type = :type"), {"type": TYPE})
    change_item_types(lambda types: [value for value in types if value != TYPE])


def change_item_types(change: object) -> None:
    """Rewrite ck_mention_item_type with `change(current item types)`."""
    assert callable(change)
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        change_sqlite(connection, change)
    else:
        change_postgresql(connection, change)


def quoted(types: Sequence[str]) -> str:
    """'a', 'b', 'c' (the types are plain identifiers)."""
    return ", ".join(f"'{value}'" for value in types)


def change_postgresql(connection: sa.Connection, change: object) -> None:
    """Drop and re-add the constraint with the changed list."""
    assert callable(change)
    definition = connection.execute(
        sa.text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conname = :name AND conrelid = 'mention'::regclass"
        ),
        {"name": CONSTRAINT},
    ).scalar_one()
    types = change(VALUE.findall(definition))
    op.execute(f"ALTER TABLE mention DROP CONSTRAINT {CONSTRAINT}")
    op.execute(
        f"ALTER TABLE mention ADD CONSTRAINT {CONSTRAINT} CHECK (item_type IN ({quoted(types)}))"
    )


def change_sqlite(connection: sa.Connection, change: object) -> None:
    """Edit the CHECK in `mention`'s stored SQL (a looser or equal list: no row can break it)."""
    assert callable(change)
    stored = connection.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'mention'")
    ).scalar_one()
    match = SQLITE_CHECK.search(stored)
    if match is None:
        raise RuntimeError("mention's CHECK on item_type is not where migration 0007 expects it")
    types = change(VALUE.findall(match[1]))
    edited = stored[: match.start(1)] + quoted(types) + stored[match.end(1) :]
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar_one()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        connection.execute(
            sa.text(
                "UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'mention'"
            ),
            {"sql": edited},
        )
        connection.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        connection.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = connection.exec_driver_sql("PRAGMA integrity_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"migration 0007 left mention unsound: {'; '.join(problems)[:300]}")
