"""The web page's users, their sessions and pending email sign-ins.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10

`web_user` holds who may sign in and their role (slt, dsl, admin); `web_session` the signed-in
browsers (server-side rows with idle and absolute expiry); `login_token` the pending email
sign-ins. Every token is stored as its SHA-256 hash only. Sessions and tokens go with their user.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create web_user, web_session and login_token."""
    op.create_table(
        "web_user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_user"),
        sa.UniqueConstraint("email", name="uq_web_user_email"),
        sa.CheckConstraint("role IN ('slt', 'dsl', 'admin')", name="ck_web_user_role"),
    )
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.Text, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("csrf_token", sa.Text, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_seen_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_session"),
        sa.UniqueConstraint("token_hash", name="uq_web_session_token_hash"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["web_user.id"],
            name="fk_web_session_user_id_web_user",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_web_session_user_id", "web_session", ["user_id"])
    op.create_table(
        "login_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("link_hash", sa.Text, nullable=False),
        sa.Column("pending_hash", sa.Text, nullable=False),
        sa.Column("code_hash", sa.Text, nullable=False),
        sa.Column("code_attempts", sa.Integer, nullable=False),
        sa.Column("next_path", sa.Text, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("used_at", TIME),
        sa.PrimaryKeyConstraint("id", name="pk_login_token"),
        sa.UniqueConstraint("link_hash", name="uq_login_token_link_hash"),
        sa.UniqueConstraint("pending_hash", name="uq_login_token_pending_hash"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["web_user.id"],
            name="fk_login_token_user_id_web_user",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_login_token_user_id", "login_token", ["user_id"])


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_index("ix_login_token_user_id", "login_token")
    op.drop_table("login_token")
    op.drop_index("ix_web_session_user_id", "web_session")
    op.drop_table("web_session")
    op.drop_table("web_user")
