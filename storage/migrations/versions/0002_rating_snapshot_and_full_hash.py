"""Rating snapshots per poll; content hashes over every stored field of a mention.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Frozen like 0001: the hash formula is written out here (it must equal
storage.mentions.content_hash as of this revision), so rows stored before it are not taken for
edits on their next poll.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    """Create rating_snapshot and rehash every mention with the full-field formula."""
    op.create_table(
        "rating_snapshot",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("average_rating", sa.Float),
        sa.Column("rating_count", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_rating_snapshot"),
    )
    op.create_index(
        "ix_rating_snapshot_source_recorded_at", "rating_snapshot", ["source", "recorded_at"]
    )
    rehash_mentions()


def downgrade() -> None:
    """Drop rating_snapshot (hashes stay: the old formula would only cause one-off re-scores)."""
    op.drop_index("ix_rating_snapshot_source_recorded_at", "rating_snapshot")
    op.drop_table("rating_snapshot")


def rehash_mentions() -> None:
    """Recompute content_hash for every stored mention, a batch at a time."""
    connection = op.get_bind()
    table = sa.table(
        "mention",
        *(
            sa.column(name)
            for name in (
                "id",
                "text",
                "title",
                "author",
                "rating",
                "url",
                "parent_external_id",
                "content_hash",
            )
        ),
        sa.column("published_at", sa.DateTime(timezone=True)),
        sa.column("extra", sa.JSON),
    )
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(table).where(table.c.id > last_id).order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            connection.execute(
                table.update()
                .where(table.c.id == row.id)
                .values(content_hash=full_hash(row._mapping))
            )
        last_id = rows[-1].id


def full_hash(row: Any) -> str:
    """The content hash of a stored row, as storage.mentions.content_hash computes it."""
    published: datetime | None = row["published_at"]
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    rating = None if row["rating"] is None else float(row["rating"])
    extra = row["extra"]
    if isinstance(extra, str):
        extra = json.loads(extra)
    canonical = json.dumps(
        [
            2,
            row["text"],
            row["title"],
            row["author"],
            rating,
            row["url"],
            None if published is None else published.astimezone(UTC).isoformat(),
            row["parent_external_id"],
            extra,
        ],
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
