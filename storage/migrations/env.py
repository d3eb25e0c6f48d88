"""Alembic environment, driven from code: `storage.revisions` hands over an open connection.

There is no alembic.ini: the connection comes in `config.attributes["connection"]`, so the
migration runs on an engine with the Store's own SQLite pragmas and `BEGIN IMMEDIATE`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

# Any constant works; it only has to be the same in every process that migrates this database.
POSTGRES_MIGRATION_LOCK = 0x6D6F6E69746F72


def run_migrations_online() -> None:
    """Upgrade inside one transaction that holds the database's write lock from the start."""
    connection = context.config.attributes["connection"]
    if not isinstance(connection, sa.Connection):
        raise TypeError("storage migrations need config.attributes['connection']")
    # One transaction for all DDL: SQLite and PostgreSQL both roll DDL back, so a failed upgrade
    # leaves the previous schema, and a second process waits instead of racing the first.
    context.configure(connection=connection, transactional_ddl=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_MIGRATION_LOCK}
            )
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported")
run_migrations_online()
