"""Outbox sending leases; which alerts each outbox message carries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

A dispatcher takes a row by setting `lease_owner`/`lease_until` (compare-and-set), so two
dispatchers never send one row at once, and a row left `sending` by a crashed dispatcher is taken
back when its lease expires. `outbox_alert` records which alerts a message carries: an alert is
put in at most one message (its primary key), and held urgent mail gathers its alerts there.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the outbox lease columns and the outbox_alert table."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lease_owner", sa.Text))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True)))
    op.create_table(
        "outbox_alert",
        sa.Column("alert_id", sa.Integer, nullable=False),
        sa.Column("outbox_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("alert_id", name="pk_outbox_alert"),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name="fk_outbox_alert_alert_id_alert", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
            name="fk_outbox_alert_outbox_id_outbox",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_outbox_alert_outbox_id", "outbox_alert", ["outbox_id"])


def downgrade() -> None:
    """Drop outbox_alert and the lease columns."""
    op.drop_index("ix_outbox_alert_outbox_id", "outbox_alert")
    op.drop_table("outbox_alert")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
