"""Initial schema: sources' state, mentions and their versions, alerts, outbox, digests, scan runs.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Written by hand, and frozen: it names its own types instead of importing `storage.schema`, so
later changes to the code's view of the tables cannot change what this revision creates.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def utc() -> sa.DateTime:
    """The column type behind storage.types.UTCDateTime."""
    return sa.DateTime(timezone=True)


def one_of(column: str, *values: str) -> str:
    """SQL text for a CHECK that `column` holds one of `values`."""
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    """Create every table."""
    create_source_state()
    create_mention()
    create_mention_version()
    create_alert()
    create_alert_event()
    create_outbox()
    create_digest()
    create_scan_run()


def downgrade() -> None:
    """Drop every table, dependants first."""
    for table in (
        "scan_run",
        "digest",
        "outbox",
        "alert_event",
        "alert",
        "mention_version",
        "mention",
        "source_state",
    ):
        op.drop_table(table)


def create_source_state() -> None:
    """source_state: one row per configured source name."""
    op.create_table(
        "source_state",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("cursor", sa.JSON, nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_poll_at", utc()),
        sa.Column("last_success_at", utc()),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("health", sa.Text, nullable=False),
        sa.Column("next_due_at", utc()),
        sa.Column("blocked_until", utc()),
        sa.Column("lease_owner", sa.Text),
        sa.Column("lease_until", utc()),
        sa.PrimaryKeyConstraint("id", name="pk_source_state"),
        sa.UniqueConstraint("name", name="uq_source_state_name"),
        sa.CheckConstraint(
            one_of("health", "ok", "failing", "auth_expired", "blocked", "parser_broken"),
            name="ck_source_state_health",
        ),
    )


def create_mention() -> None:
    """mention: one row per (source, external_id), the latest version of it."""
    op.create_table(
        "mention",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("source_type", sa.Text, nullable=False),
        sa.Column("external_id", sa.Text, nullable=False),
        sa.Column("item_type", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("author", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("rating", sa.Float),
        sa.Column("published_at", utc()),
        sa.Column("first_seen_at", utc(), nullable=False),
        sa.Column("updated_at", utc(), nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("parent_external_id", sa.Text),
        sa.Column("sentiment_compound", sa.Float),
        sa.Column("sentiment_pos", sa.Float),
        sa.Column("sentiment_neu", sa.Float),
        sa.Column("sentiment_neg", sa.Float),
        sa.Column("sentiment_most_negative", sa.Float),
        sa.Column("sentiment_most_negative_sentence", sa.Text),
        sa.Column("sentiment_words", sa.JSON),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.Column("text_expires_at", utc()),
        sa.Column("baseline", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mention"),
        sa.UniqueConstraint("source", "external_id", name="uq_mention_source_external_id"),
        sa.CheckConstraint(
            one_of(
                "item_type", "review", "revision", "article", "thread", "post", "comment", "entry"
            ),
            name="ck_mention_item_type",
        ),
    )
    op.create_index("ix_mention_first_seen_at", "mention", ["first_seen_at"])
    op.create_index("ix_mention_published_at", "mention", ["published_at"])
    op.create_index("ix_mention_text_expires_at", "mention", ["text_expires_at"])


def create_mention_version() -> None:
    """mention_version: what an edited mention said before each edit."""
    op.create_table(
        "mention_version",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("mention_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("rating", sa.Float),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("replaced_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mention_version"),
        sa.UniqueConstraint("mention_id", "version", name="uq_mention_version_mention_id_version"),
        sa.ForeignKeyConstraint(
            ["mention_id"],
            ["mention.id"],
            name="fk_mention_version_mention_id_mention",
            ondelete="CASCADE",
        ),
    )


def create_alert() -> None:
    """alert: one per (rule, mention) or source-health event, deduplicated by key."""
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("mention_id", sa.Integer),
        sa.Column("source", sa.Text),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("severity", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("dedupe_key", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("created_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alert"),
        sa.UniqueConstraint("dedupe_key", name="uq_alert_dedupe_key"),
        sa.CheckConstraint(
            one_of("severity", "urgent", "high", "normal", "info"), name="ck_alert_severity"
        ),
        sa.CheckConstraint(
            one_of("status", "open", "acknowledged", "resolved", "dismissed"),
            name="ck_alert_status",
        ),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mention.id"], name="fk_alert_mention_id_mention", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_alert_status", "alert", ["status"])
    op.create_index("ix_alert_created_at", "alert", ["created_at"])


def create_alert_event() -> None:
    """alert_event: the append-only incident log."""
    op.create_table(
        "alert_event",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("alert_id", sa.Integer, nullable=False),
        sa.Column("at", utc(), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_alert_event"),
        sa.CheckConstraint(
            one_of(
                "action",
                "acknowledged",
                "resolved",
                "dismissed",
                "requested_deletion",
                "reported_to_platform",
                "contacted_posh",
                "contacted_police",
                "replied_publicly",
                "note",
            ),
            name="ck_alert_event_action",
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name="fk_alert_event_alert_id_alert", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_alert_event_alert_id", "alert_event", ["alert_id"])
    op.create_index("ix_alert_event_at", "alert_event", ["at"])


def create_outbox() -> None:
    """outbox: mail to send, each with a Message-ID fixed when the row is written."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("idempotency_key", sa.Text, nullable=False),
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("recipients", sa.JSON, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body_text", sa.Text, nullable=False),
        sa.Column("body_html", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", utc()),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("sent_at", utc()),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
        sa.UniqueConstraint("message_id", name="uq_outbox_message_id"),
        sa.CheckConstraint(one_of("kind", "urgent", "digest", "health"), name="ck_outbox_kind"),
        sa.CheckConstraint(
            one_of("status", "pending", "sending", "sent", "failed"), name="ck_outbox_status"
        ),
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])


def create_digest() -> None:
    """digest: the windows already summarised, each pointing at its outbox row."""
    op.create_table(
        "digest",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("window_start", utc(), nullable=False),
        sa.Column("window_end", utc(), nullable=False),
        sa.Column("outbox_id", sa.Integer),
        sa.Column("created_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_digest"),
        sa.UniqueConstraint("window_start", name="uq_digest_window_start"),
        sa.CheckConstraint("window_end > window_start", name="ck_digest_window_order"),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name="fk_digest_outbox_id_outbox", ondelete="SET NULL"
        ),
    )


def create_scan_run() -> None:
    """scan_run: one row per scan, with each source's outcome."""
    op.create_table(
        "scan_run",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("trigger", sa.Text, nullable=False),
        sa.Column("started_at", utc(), nullable=False),
        sa.Column("finished_at", utc()),
        sa.Column("outcomes", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scan_run"),
        sa.CheckConstraint(one_of("trigger", "manual", "scheduled"), name="ck_scan_run_trigger"),
    )
    op.create_index("ix_scan_run_started_at", "scan_run", ["started_at"])
