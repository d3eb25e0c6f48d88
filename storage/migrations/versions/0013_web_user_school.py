"""The schools a web user is limited to: a trust may let a school's staff see only their school.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-11

A user with no rows here sees every school (as every user did before this revision), so
existing users keep what they see. The table is new, so nothing is rebuilt.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create web_user_school (user id, school id)."""
    op.create_table(
        "web_user_school",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("school", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["web_user.id"],
            name="fk_web_user_school_user_id_web_user",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "school", name="pk_web_user_school"),
    )


def downgrade() -> None:
    """Drop web_user_school (every user then sees every school again)."""
    op.drop_table("web_user_school")
