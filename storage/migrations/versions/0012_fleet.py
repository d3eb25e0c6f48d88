"""Every source on its own clock, and several workers on one database (issue #19).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09

source_state gains `scheduled` (the daemon polls it), `host_slot` (the polite host its polls
share with every worker) and `last_lag` (seconds from due to poll), and an index on
`next_due_at` for the claim query. `host_slot` spaces polls of one host across workers,
`job_slot` runs the digest, purge and health check once per slot, `worker` lists the daemons.
Columns are added in place (the same SQL on both backends; no SQLite table rebuild).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the scheduling columns and the host_slot, job_slot and worker tables."""
    op.add_column(
        "source_state",
        sa.Column("scheduled", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.add_column("source_state", sa.Column("host_slot", sa.Text))
    op.add_column("source_state", sa.Column("last_lag", sa.Float))
    op.create_index("ix_source_state_next_due_at", "source_state", ["next_due_at"])
    op.create_table(
        "host_slot",
        sa.Column("host", sa.Text, nullable=False),
        sa.Column("owner", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("lease_until", UTCDateTime),
        sa.Column("free_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("host", name="pk_host_slot"),
    )
    op.create_table(
        "job_slot",
        sa.Column("job", sa.Text, nullable=False),
        sa.Column("period", UTCDateTime, nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("lease_until", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime),
        sa.PrimaryKeyConstraint("job", "period", name="pk_job_slot"),
    )
    op.create_table(
        "worker",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("host", sa.Text, nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("seen_at", UTCDateTime, nullable=False),
        sa.Column("polls", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("id", name="pk_worker"),
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("worker")
    op.drop_table("job_slot")
    op.drop_table("host_slot")
    op.drop_index("ix_source_state_next_due_at", table_name="source_state")
    with op.batch_alter_table("source_state") as batch:
        batch.drop_column("last_lag")
        batch.drop_column("host_slot")
        batch.drop_column("scheduled")
