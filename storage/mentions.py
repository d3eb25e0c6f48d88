"""Mentions: stored once per (source, external_id), updated in place when edited, old text kept.

Two scans may store the same item at once (the daemon and `monitor scan`, or two workers): the
insert is `INSERT ... ON CONFLICT DO NOTHING` on the unique key, so exactly one of them creates
the row and the other finds it and reports it unchanged (or updates it, if its copy differs).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from monitor.model import Item, Mention, Sentiment
from storage.database import Transaction
from storage.schema import mention, mention_version

# Well under SQLite's limit on bound parameters per statement.
ID_BATCH = 500


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What `add_or_update` did with an item."""

    mention_id: int
    status: Literal["new", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class MentionVersion:
    """An earlier state of an edited mention: what it said until `replaced_at`."""

    mention_id: int
    version: int
    text: str
    title: str | None
    rating: float | None
    content_hash: str
    replaced_at: datetime


def content_hash(item: Item) -> str:
    """SHA-256 (hex) over the item's text, title, rating and URL: changes when any of them does."""
    rating = None if item.rating is None else float(item.rating)
    canonical = json.dumps([item.text, item.title, rating, item.url], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def existing_hashes(tx: Transaction, source: str, external_ids: Collection[str]) -> dict[str, str]:
    """external_id -> content_hash for those of `external_ids` already stored for `source`."""
    wanted = list(dict.fromkeys(external_ids))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), ID_BATCH):
        batch = wanted[start : start + ID_BATCH]
        rows = tx.connection.execute(
            sa.select(mention.c.external_id, mention.c.content_hash).where(
                mention.c.source == source, mention.c.external_id.in_(batch)
            )
        )
        found.update({row.external_id: row.content_hash for row in rows})
    return found


def add_or_update(
    tx: Transaction,
    *,
    source: str,
    source_type: str,
    item: Item,
    sentiment: Sentiment | None,
    labels: Sequence[str],
    now: datetime,
    baseline: bool,
) -> WriteOutcome:
    """Store `item` if new, update it (keeping the old text as a version) if changed.

    `baseline` marks a mention written only by baseline polls: an update in a live poll clears it.
    """
    digest = content_hash(item)
    values = item_values(item, sentiment, labels, now, digest)
    existing = select_for_update(tx, source, item.external_id)
    if existing is None:
        inserted = insert_if_absent(tx, source, source_type, item, values, now, baseline)
        if inserted is not None:
            return WriteOutcome(inserted, "new")
        # Another transaction stored it between our SELECT and INSERT (PostgreSQL only:
        # SQLite's BEGIN IMMEDIATE serialises writers); it is committed now, so read it.
        existing = select_for_update(tx, source, item.external_id)
        if existing is None:
            raise RuntimeError(f"mention {source}/{item.external_id} neither inserted nor found")
    if existing.content_hash == digest:
        return WriteOutcome(existing.id, "unchanged")
    tx.connection.execute(
        sa.insert(mention_version).values(
            mention_id=existing.id,
            version=existing.version,
            text=existing.text,
            title=existing.title,
            rating=existing.rating,
            content_hash=existing.content_hash,
            replaced_at=now,
        )
    )
    tx.connection.execute(
        sa.update(mention)
        .where(mention.c.id == existing.id)
        .values(
            **values,
            version=existing.version + 1,
            # An edit seen live is news: the row stays baseline only if this poll is one too.
            baseline=existing.baseline and baseline,
        )
    )
    return WriteOutcome(existing.id, "updated")


@dataclass(frozen=True, slots=True)
class StoredContent:
    """What an update needs to know of the row it replaces."""

    id: int
    content_hash: str
    version: int
    text: str
    title: str | None
    rating: float | None
    baseline: bool


def select_for_update(tx: Transaction, source: str, external_id: str) -> StoredContent | None:
    """The stored row's content, locked (on PostgreSQL) until the transaction ends."""
    query = (
        sa.select(
            mention.c.id,
            mention.c.content_hash,
            mention.c.version,
            mention.c.text,
            mention.c.title,
            mention.c.rating,
            mention.c.baseline,
        )
        .where(mention.c.source == source, mention.c.external_id == external_id)
        .with_for_update()
    )
    row = tx.connection.execute(query).first()
    return None if row is None else StoredContent(*row)


def insert_if_absent(
    tx: Transaction,
    source: str,
    source_type: str,
    item: Item,
    values: dict[str, Any],
    now: datetime,
    baseline: bool,
) -> int | None:
    """Insert the mention unless (source, external_id) exists; returns the new id, or None."""
    dialect_insert = postgresql.insert if tx.dialect == "postgresql" else sqlite.insert
    statement = (
        dialect_insert(mention)
        .values(
            **values,
            source=source,
            source_type=source_type,
            external_id=item.external_id,
            first_seen_at=now,
            version=1,
            baseline=baseline,
        )
        .on_conflict_do_nothing(index_elements=["source", "external_id"])
        .returning(mention.c.id)
    )
    inserted: int | None = tx.connection.execute(statement).scalar_one_or_none()
    return inserted


def item_values(
    item: Item, sentiment: Sentiment | None, labels: Sequence[str], now: datetime, digest: str
) -> dict[str, Any]:
    """The columns an insert and an update both set from the item and its scores."""
    expires = None
    if item.retain_text_days is not None:
        expires = (item.published_at or now) + timedelta(days=item.retain_text_days)
    return {
        "item_type": item.item_type,
        "url": item.url,
        "title": item.title,
        "author": item.author,
        "text": item.text,
        "rating": item.rating,
        "published_at": item.published_at,
        "updated_at": now,
        "content_hash": digest,
        "parent_external_id": item.parent_external_id,
        "labels": list(labels),
        "extra": dict(item.extra),
        "text_expires_at": expires,
        **sentiment_values(sentiment),
    }


def sentiment_values(sentiment: Sentiment | None) -> dict[str, Any]:
    """The sentiment_* columns for `sentiment` (all NULL when there is none)."""
    return {
        "sentiment_compound": None if sentiment is None else sentiment.compound,
        "sentiment_pos": None if sentiment is None else sentiment.pos,
        "sentiment_neu": None if sentiment is None else sentiment.neu,
        "sentiment_neg": None if sentiment is None else sentiment.neg,
        "sentiment_most_negative": None if sentiment is None else sentiment.most_negative,
        "sentiment_most_negative_sentence": (
            None if sentiment is None else sentiment.most_negative_sentence
        ),
        "sentiment_words": None if sentiment is None else list(sentiment.words),
    }


def list_mentions(
    tx: Transaction,
    *,
    source: str | None = None,
    since: datetime | None = None,
    label: str | None = None,
    limit: int | None = None,
) -> list[Mention]:
    """Stored mentions, newest first, by when they were published (or first seen, if undated).

    `since` keeps those published (or first seen) at or after it; `label` those carrying it.
    """
    when = sa.func.coalesce(mention.c.published_at, mention.c.first_seen_at)
    query = sa.select(mention).order_by(when.desc(), mention.c.id.desc())
    if source is not None:
        query = query.where(mention.c.source == source)
    if since is not None:
        query = query.where(when >= since)
    if label is not None:
        query = query.where(has_label(tx, label))
    if limit is not None:
        query = query.limit(limit)
    return [mention_from_row(row) for row in tx.connection.execute(query)]


def has_label(tx: Transaction, label: str) -> sa.ColumnElement[bool]:
    """A condition true for mentions whose labels JSON array holds `label`."""
    if tx.dialect == "postgresql":
        return sa.cast(mention.c.labels, postgresql.JSONB).has_key(label)  # type: ignore[no-any-return]
    elements = sa.func.json_each(mention.c.labels).table_valued("value")
    return sa.exists().where(elements.c.value == label)


def count_by_source(tx: Transaction) -> dict[str, int]:
    """Number of stored mentions per source name (sources without any are absent)."""
    rows = tx.connection.execute(
        sa.select(mention.c.source, sa.func.count()).group_by(mention.c.source)
    )
    return {source: count for source, count in rows}


def versions(tx: Transaction, mention_id: int) -> list[MentionVersion]:
    """The earlier versions of a mention, oldest first."""
    rows = tx.connection.execute(
        sa.select(mention_version)
        .where(mention_version.c.mention_id == mention_id)
        .order_by(mention_version.c.version)
    )
    return [
        MentionVersion(
            mention_id=row.mention_id,
            version=row.version,
            text=row.text,
            title=row.title,
            rating=row.rating,
            content_hash=row.content_hash,
            replaced_at=row.replaced_at,
        )
        for row in rows
    ]


def mention_from_row(row: sa.Row[Any]) -> Mention:
    """A Mention rebuilt from a full mention row."""
    return Mention(
        id=row.id,
        source=row.source,
        source_type=row.source_type,
        item_type=row.item_type,
        external_id=row.external_id,
        url=row.url,
        title=row.title,
        author=row.author,
        text=row.text,
        rating=row.rating,
        published_at=row.published_at,
        first_seen_at=row.first_seen_at,
        updated_at=row.updated_at,
        version=row.version,
        parent_external_id=row.parent_external_id,
        sentiment=sentiment_from_row(row),
        labels=tuple(row.labels),
        extra=dict(row.extra),
        baseline=bool(row.baseline),
    )


def sentiment_from_row(row: sa.Row[Any]) -> Sentiment | None:
    """The stored Sentiment, or None for a mention that was never scored."""
    if row.sentiment_compound is None:
        return None
    return Sentiment(
        compound=row.sentiment_compound,
        pos=row.sentiment_pos,
        neu=row.sentiment_neu,
        neg=row.sentiment_neg,
        most_negative=(
            row.sentiment_compound
            if row.sentiment_most_negative is None
            else row.sentiment_most_negative
        ),
        most_negative_sentence=row.sentiment_most_negative_sentence or "",
        words=tuple(row.sentiment_words or ()),
    )
