"""Which schools each mention is about: a trust watches several schools in one deployment.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10

Every mention stored before this revision came from a config with one `[school]`, whose id is
"school" (monitor.config.settings.SINGLE_SCHOOL_ID): each is attributed to it, so a database
keeps every mention under its school. The table is new, so nothing is rebuilt.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SINGLE_SCHOOL_ID = "school"  # frozen here: the id the one [school] of older configs has


def upgrade() -> None:
    """Create mention_school and attribute every stored mention to the single school."""
    op.create_table(
        "mention_school",
        sa.Column("mention_id", sa.Integer, nullable=False),
        sa.Column("school", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["mention_id"],
            ["mention.id"],
            name="fk_mention_school_mention_id_mention",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("mention_id", "school", name="pk_mention_school"),
    )
    op.create_index("ix_mention_school_school", "mention_school", ["school"])
    op.execute(
        sa.text(
            "INSERT INTO mention_school (mention_id, school) SELECT id, :school FROM mention"
        ).bindparams(school=SINGLE_SCHOOL_ID)
    )


def downgrade() -> None:
    """Drop mention_school (every mention is then the one school's again)."""
    op.drop_index("ix_mention_school_school", table_name="mention_school")
    op.drop_table("mention_school")
