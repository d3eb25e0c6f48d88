"""How many unreadable items each source's last successful poll left out.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08

A malformed item (a comment without its id, a review without its name) no longer fails its whole
page: it is skipped and the rest stored. `skipped_items` keeps the count of the last successful
poll so `monitor status` can show that some of a healthy source went unread.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add source_state.skipped_items, 0 for every existing source."""
    with op.batch_alter_table("source_state") as batch:
        batch.add_column(
            sa.Column("skipped_items", sa.Integer, nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    """Drop source_state.skipped_items."""
    with op.batch_alter_table("source_state") as batch:
        batch.drop_column("skipped_items")
