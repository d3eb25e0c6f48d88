"""A mention's visibility at its source: visible, hidden by the page, or removed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08

Facebook comments kept whether they were hidden in `extra.is_hidden`; that fact is now the typed
`visibility` column (the webhook also records removals there), so the key leaves `extra` and
those rows are rehashed. Frozen like 0002: the hash formula is written out here (it must equal
storage.mentions.content_hash as of this revision), so the rows are not taken for edits on
their next poll.

The column is added in place (ALTER TABLE ... ADD COLUMN, the same SQL on SQLite and
PostgreSQL): rebuilding `mention` on SQLite would drop the old table with foreign keys on,
which deletes every mention_version row through ON DELETE CASCADE.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    """Add mention.visibility; move Facebook's extra.is_hidden into it and rehash those rows."""
    op.execute(
        "ALTER TABLE mention ADD COLUMN visibility TEXT NOT NULL DEFAULT 'visible'"
        " CONSTRAINT ck_mention_visibility"
        " CHECK (visibility IN ('visible', 'hidden', 'removed'))"
    )
    move_facebook_hidden()


def downgrade() -> None:
    """Put is_hidden back into Facebook comments' extra (rehashed as 0002 did); drop the column."""
    connection = op.get_bind()
    table = mention_table()
    for row in facebook_rows(connection, table):
        if row.item_type != "comment":
            continue
        extra = loaded(row.extra)
        extra["is_hidden"] = row.visibility == "hidden"
        connection.execute(
            table.update()
            .where(table.c.id == row.id)
            .values(extra=extra, content_hash=full_hash(row, extra, "visible"))
        )
    op.execute("ALTER TABLE mention DROP COLUMN visibility")


def mention_table() -> sa.TableClause:
    """The columns of `mention` this migration reads and writes."""
    return sa.table(
        "mention",
        *(
            sa.column(name)
            for name in (
                "id",
                "source_type",
                "item_type",
                "text",
                "title",
                "author",
                "rating",
                "url",
                "parent_external_id",
                "content_hash",
                "visibility",
            )
        ),
        sa.column("published_at", sa.DateTime(timezone=True)),
        sa.column("extra", sa.JSON),
    )


def facebook_rows(connection: sa.Connection, table: sa.TableClause) -> Any:
    """Every facebook_page mention, a batch at a time."""
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(table)
            .where(table.c.id > last_id, table.c.source_type == "facebook_page")
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def move_facebook_hidden() -> None:
    """extra.is_hidden → visibility, and the content hash of each row it changed."""
    connection = op.get_bind()
    table = mention_table()
    for row in facebook_rows(connection, table):
        extra = loaded(row.extra)
        if "is_hidden" not in extra:
            continue
        visibility = "hidden" if extra.pop("is_hidden") is True else "visible"
        connection.execute(
            table.update()
            .where(table.c.id == row.id)
            .values(extra=extra, visibility=visibility, content_hash=full_hash(row, extra, visibility))
        )


def loaded(extra: Any) -> dict[str, Any]:
    """A row's extra as a dict (SQLite may hand back the JSON text)."""
    return dict(json.loads(extra) if isinstance(extra, str) else extra)


def full_hash(row: Any, extra: dict[str, Any], visibility: str) -> str:
    """The content hash of a row, as storage.mentions.content_hash computes it."""
    published: datetime | None = row.published_at
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    rating = None if row.rating is None else float(row.rating)
    fields: list[Any] = [
        2,
        row.text,
        row.title,
        row.author,
        rating,
        row.url,
        None if published is None else published.astimezone(UTC).isoformat(),
        row.parent_external_id,
        extra,
    ]
    if visibility != "visible":
        fields.append(visibility)
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
