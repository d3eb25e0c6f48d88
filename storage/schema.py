"""The tables (SQLAlchemy Core), as created by the Alembic migrations in `storage/migrations/`.

This is the code's view of the schema; the migrations are the database's. A test compares the
two after `upgrade`, so a column added here without a migration fails the suite.
"""

from __future__ import annotations

import sqlalchemy as sa

from monitor.model import (
    AlertAction,
    AlertStatus,
    Health,
    ItemType,
    OutboxKind,
    OutboxStatus,
    Role,
    Severity,
    Trigger,
    Visibility,
)
from storage.types import UTCDateTime

# Fixed constraint names keep later migrations (and SQLite batch rebuilds) able to name them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

HEALTH_VALUES = tuple(Health)
ITEM_TYPE_VALUES = tuple(ItemType)
SEVERITY_VALUES = tuple(Severity)
ALERT_STATUS_VALUES = tuple(AlertStatus)
ALERT_ACTION_VALUES = tuple(AlertAction)
OUTBOX_KIND_VALUES = tuple(OutboxKind)
OUTBOX_STATUS_VALUES = tuple(OutboxStatus)
TRIGGER_VALUES = tuple(Trigger)
VISIBILITY_VALUES = tuple(Visibility)
ROLE_VALUES = tuple(Role)

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL text for a CHECK that `column` holds one of `values` (all plain identifiers)."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


source_state = sa.Table(
    "source_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("cursor", sa.JSON, nullable=False),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("last_poll_at", UTCDateTime),
    sa.Column("last_success_at", UTCDateTime),
    sa.Column("consecutive_failures", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("health", sa.Text, nullable=False),
    sa.Column("next_due_at", UTCDateTime),
    sa.Column("blocked_until", UTCDateTime),
    sa.Column("lease_owner", sa.Text),
    sa.Column("lease_until", UTCDateTime),
    # Unreadable items the last successful poll left out (`monitor status` shows them).
    sa.Column("skipped_items", sa.Integer, nullable=False, server_default=sa.text("0")),
    # The daemon polls the source (configured and enabled in the config it started with);
    # claims look only at these rows, so a removed source's row stays behind, unpolled.
    sa.Column("scheduled", sa.Boolean, nullable=False, server_default=sa.true()),
    # The host this source's polls share with every worker's (host_slot), if it declares one.
    sa.Column("host_slot", sa.Text),
    # Seconds from the last poll's due time to its start (`monitor status` shows it).
    sa.Column("last_lag", sa.Float),
    sa.UniqueConstraint("name"),
    sa.CheckConstraint(one_of("health", HEALTH_VALUES), name="health"),
    sa.Index(None, "next_due_at"),
)

# One row per polite host: one poll at a time across every worker, and a pause between polls
# (Mumsnet's request_delay), whichever process or machine polls next (migration 0012).
host_slot = sa.Table(
    "host_slot",
    metadata,
    sa.Column("host", sa.Text, primary_key=True),
    sa.Column("owner", sa.Text),
    sa.Column("source", sa.Text),
    sa.Column("lease_until", UTCDateTime),
    sa.Column("free_at", UTCDateTime, nullable=False),
)

# Jobs that run once per slot whatever the number of workers (digest, purge, health): the
# first worker to insert (job, period) runs it; a dead runner's lease lets another finish it.
job_slot = sa.Table(
    "job_slot",
    metadata,
    sa.Column("job", sa.Text, primary_key=True),
    sa.Column("period", UTCDateTime, primary_key=True),
    sa.Column("owner", sa.Text, nullable=False),
    sa.Column("lease_until", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
)

# Each running daemon, seen every few seconds (`monitor status`; a second daemon on SQLite).
worker = sa.Table(
    "worker",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("host", sa.Text, nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("seen_at", UTCDateTime, nullable=False),
    sa.Column("polls", sa.Integer, nullable=False, server_default=sa.text("0")),
)

mention = sa.Table(
    "mention",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("source_type", sa.Text, nullable=False),
    sa.Column("external_id", sa.Text, nullable=False),
    sa.Column("item_type", sa.Text, nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("author", sa.Text),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("rating", sa.Float),
    sa.Column("published_at", UTCDateTime),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
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
    sa.Column("sentiment_p_negative", sa.Float),  # the tone model's chances (0011)
    sa.Column("sentiment_p_positive", sa.Float),
    sa.Column("labels", sa.JSON, nullable=False),
    sa.Column("extra", sa.JSON, nullable=False),
    sa.Column("text_expires_at", UTCDateTime),
    sa.Column("baseline", sa.Boolean, nullable=False),
    sa.Column("visibility", sa.Text, nullable=False, server_default=str(Visibility.VISIBLE)),
    sa.UniqueConstraint("source", "external_id"),
    sa.CheckConstraint(one_of("item_type", ITEM_TYPE_VALUES), name="item_type"),
    sa.CheckConstraint(one_of("visibility", VISIBILITY_VALUES), name="visibility"),
    sa.Index(None, "first_seen_at"),
    sa.Index(None, "published_at"),
    sa.Index(None, "text_expires_at"),
)

# When a mention happened, for listing newest first: published, else first seen (undated items).
mention_when = sa.func.coalesce(mention.c.published_at, mention.c.first_seen_at)
# `monitor mentions` reads the newest few; without this index the database sorts every row.
sa.Index("ix_mention_newest", mention_when.desc(), mention.c.id.desc())
# Which schools a mention is about (a trust watches several); every mention has at least one
# row once attributed, except one from a source serving several schools that names none.
mention_school = sa.Table(
    "mention_school",
    metadata,
    sa.Column(
        "mention_id",
        sa.Integer,
        sa.ForeignKey("mention.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("school", sa.Text, primary_key=True),
    sa.Index(None, "school"),
)

mention_version = sa.Table(
    "mention_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "mention_id", sa.Integer, sa.ForeignKey("mention.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("title", sa.Text),
    sa.Column("rating", sa.Float),
    sa.Column("content_hash", sa.Text, nullable=False),
    sa.Column("replaced_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("mention_id", "version"),
)

alert = sa.Table(
    "alert",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # Kept when a mention is purged: the incident log outlives the text it was about.
    sa.Column("mention_id", sa.Integer, sa.ForeignKey("mention.id", ondelete="SET NULL")),
    sa.Column("source", sa.Text),
    sa.Column("rule", sa.Text, nullable=False),
    sa.Column("severity", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("dedupe_key", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("dedupe_key"),
    sa.CheckConstraint(one_of("severity", SEVERITY_VALUES), name="severity"),
    sa.CheckConstraint(one_of("status", ALERT_STATUS_VALUES), name="status"),
    sa.Index(None, "status"),
    sa.Index(None, "created_at"),
)

alert_event = sa.Table(
    "alert_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "alert_id", sa.Integer, sa.ForeignKey("alert.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("note", sa.Text),
    sa.CheckConstraint(one_of("action", ALERT_ACTION_VALUES), name="action"),
    sa.Index(None, "alert_id"),
    sa.Index(None, "at"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("idempotency_key", sa.Text, nullable=False),
    sa.Column("message_id", sa.Text, nullable=False),
    sa.Column("recipients", sa.JSON, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body_text", sa.Text, nullable=False),
    sa.Column("body_html", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    # A dispatcher's claim on a row it is sending; an expired lease is taken back (migration 0003).
    sa.Column("lease_owner", sa.Text),
    sa.Column("lease_until", UTCDateTime),
    sa.UniqueConstraint("idempotency_key"),
    sa.UniqueConstraint("message_id"),
    sa.CheckConstraint(one_of("kind", OUTBOX_KIND_VALUES), name="kind"),
    sa.CheckConstraint(one_of("status", OUTBOX_STATUS_VALUES), name="status"),
    sa.Index(None, "status", "next_attempt_at"),
)

# Which alerts an outbox message carries: each alert goes in at most one message.
outbox_alert = sa.Table(
    "outbox_alert",
    metadata,
    sa.Column(
        "alert_id",
        sa.Integer,
        sa.ForeignKey("alert.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "outbox_id", sa.Integer, sa.ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Index(None, "outbox_id"),
)

digest = sa.Table(
    "digest",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("window_start", UTCDateTime, nullable=False),
    sa.Column("window_end", UTCDateTime, nullable=False),
    sa.Column("outbox_id", sa.Integer, sa.ForeignKey("outbox.id", ondelete="SET NULL")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # Windows tile time: two digests can never start at the same instant.
    sa.UniqueConstraint("window_start"),
    sa.CheckConstraint("window_end > window_start", name="window_order"),
)

scan_run = sa.Table(
    "scan_run",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("trigger", sa.Text, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("outcomes", sa.JSON, nullable=False),
    sa.CheckConstraint(one_of("trigger", TRIGGER_VALUES), name="trigger"),
    sa.Index(None, "started_at"),
)

rating_snapshot = sa.Table(
    "rating_snapshot",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("average_rating", sa.Float),
    sa.Column("rating_count", sa.Integer),
    sa.Index(None, "source", "recorded_at"),
)

# The web page's users, their signed-in sessions and pending email sign-ins (migration 0006).
# Tokens are kept only as SHA-256 hashes: a copy of the database signs nobody in.
web_user = sa.Table(
    "web_user",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("email"),
    sa.CheckConstraint(one_of("role", ROLE_VALUES), name="role"),
)

# The schools a web user is limited to (none: every school).
web_user_school = sa.Table(
    "web_user_school",
    metadata,
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("web_user.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("school", sa.Text, primary_key=True),
)

web_session = sa.Table(
    "web_session",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.Text, nullable=False),
    # Removing a user ends their sessions with them.
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("web_user.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("csrf_token", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("token_hash"),
    sa.Index(None, "user_id"),
)

login_token = sa.Table(
    "login_token",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("web_user.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("link_hash", sa.Text, nullable=False),  # the token in the mailed link
    sa.Column("pending_hash", sa.Text, nullable=False),  # the browser that asked, for the code
    sa.Column("code_hash", sa.Text, nullable=False),
    sa.Column("code_attempts", sa.Integer, nullable=False),
    sa.Column("next_path", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime),
    sa.UniqueConstraint("link_hash"),
    sa.UniqueConstraint("pending_hash"),
    sa.Index(None, "user_id"),
)
