"""A mention's tone chances: the tone model's P(negative) and P(positive) (issue #18).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-11

The tone label now comes from a small model over VADER's scores and the constructions
(monitor/judgement/tone.py); its two chances are stored beside VADER's scores so a stored
sentiment reads back as it was scored (`monitor rescore` compares them). Rows scored before
keep NULL: read back, they have no chances, as when no model judged them.

Added and dropped in place (ALTER TABLE, the same SQL on SQLite 3.35+ and PostgreSQL):
rebuilding `mention` on SQLite would delete every mention_version row through ON DELETE CASCADE.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("sentiment_p_negative", "sentiment_p_positive")


def upgrade() -> None:
    """Add the two nullable chance columns."""
    for column in COLUMNS:
        op.execute(f"ALTER TABLE mention ADD COLUMN {column} FLOAT")


def downgrade() -> None:
    """Drop them."""
    for column in COLUMNS:
        op.execute(f"ALTER TABLE mention DROP COLUMN {column}")
