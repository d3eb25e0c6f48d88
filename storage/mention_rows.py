"""The SQL of the mention write path, for many rows at a time.

Each statement is built once, here, with bind parameters: executing it again (or with a list of
parameter sets, as one executemany) reuses SQLAlchemy's compiled form instead of building and
cache-keying a new statement per row. `storage.mentions` decides what to write; this module only
reads and writes rows.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from monitor.model import FACTS_KEY, Item, Sentiment, facts_to_json
from storage.database import Transaction
from storage.safe_text import safe_json
from storage.schema import mention, mention_version

# External ids per SELECT: well under SQLite's limit on bound parameters per statement.
ID_BATCH = 500


@dataclass(frozen=True, slots=True)
class StoredHash:
    """A stored mention's id and content hash: enough to tell new, unchanged and changed apart."""

    id: int
    content_hash: str


@dataclass(frozen=True, slots=True)
class StoredContent:
    """What an update needs to know of the row it replaces."""

    id: int
    external_id: str
    content_hash: str
    version: int
    text: str
    title: str | None
    rating: float | None
    baseline: bool


def of_source(*columns: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """A SELECT of `columns` from the mentions of :source whose external_id is in :external_ids."""
    return sa.select(*columns).where(
        mention.c.source == sa.bindparam("source"),
        mention.c.external_id.in_(sa.bindparam("external_ids", expanding=True)),
    )


SELECT_HASHES = of_source(mention.c.external_id, mention.c.id, mention.c.content_hash)


def content_for_update(order: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """A SELECT ... FOR UPDATE of what an update needs, in `order`."""
    return (
        of_source(
            mention.c.id,
            mention.c.external_id,
            mention.c.content_hash,
            mention.c.version,
            mention.c.text,
            mention.c.title,
            mention.c.rating,
            mention.c.baseline,
        )
        .order_by(order)
        .with_for_update()
    )


# PostgreSQL locks rows in the order a query returns them. Batches go in Python's order of the
# ids (by code point) and rows within one in the same order (collation "C"), so two writers
# locking overlapping rows take the locks in one order and cannot deadlock. (SQLite has no row
# locks: BEGIN IMMEDIATE serialises writers.)
SELECT_CONTENT_FOR_UPDATE = {
    "postgresql": content_for_update(mention.c.external_id.collate("C")),
    "sqlite": content_for_update(mention.c.external_id),
}
INSERT_VERSION = sa.insert(mention_version)
UPDATE_CONTENT = sa.update(mention).where(mention.c.id == sa.bindparam("row_id"))


def insert_new_statement(dialect_insert: Any) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING (external_id, id) for one dialect."""
    return (
        dialect_insert(mention)
        .on_conflict_do_nothing(index_elements=["source", "external_id"])
        .returning(mention.c.external_id, mention.c.id)
    )


# Every column but the generated id, in table order.
INSERTED_COLUMNS = [column for column in mention.columns if column.name != "id"]
JSON_COLUMNS = {column.name for column in INSERTED_COLUMNS if isinstance(column.type, sa.JSON)}


@functools.cache
def unnest_insert_statement() -> Any:
    """PostgreSQL: INSERT ... SELECT unnest(:column) for each column, RETURNING (external_id, id).

    Each bound parameter is an array holding one column of many rows. Built on first use: the
    PostgreSQL dialect is not loaded for a SQLite database.
    """
    from sqlalchemy.dialects import postgresql

    selected: list[sa.ColumnElement[Any]] = []
    for column in INSERTED_COLUMNS:
        if column.name in JSON_COLUMNS:
            # Serialised by us and cast back: an ARRAY(JSON) would take a list value for a row
            # as a further dimension of the array.
            texts = sa.bindparam(column.name, type_=postgresql.ARRAY(sa.Text))
            selected.append(sa.cast(sa.func.unnest(texts), column.type))
        else:
            values = sa.bindparam(column.name, type_=postgresql.ARRAY(column.type))
            selected.append(sa.func.unnest(values))
    return insert_new_statement(postgresql.insert).from_select(
        [column.name for column in INSERTED_COLUMNS], sa.select(*selected)
    )


INSERT_NEW_SQLITE = insert_new_statement(sqlite.insert)
# New rows per INSERT on PostgreSQL (SQLAlchemy pages the SQLite executemany by itself).
ROW_BATCH = 1000


def id_batches(external_ids: Collection[str]) -> list[list[str]]:
    """The distinct ids, sorted, in lists of at most ID_BATCH."""
    wanted = sorted(set(external_ids))
    return [wanted[start : start + ID_BATCH] for start in range(0, len(wanted), ID_BATCH)]


def stored_hashes(
    tx: Transaction, source: str, external_ids: Collection[str]
) -> dict[str, StoredHash]:
    """external_id -> id and content hash, for those of `external_ids` stored for `source`."""
    found: dict[str, StoredHash] = {}
    for batch in id_batches(external_ids):
        rows = tx.connection.execute(SELECT_HASHES, {"source": source, "external_ids": batch})
        found.update({row.external_id: StoredHash(row.id, row.content_hash) for row in rows})
    return found


def lock_stored(
    tx: Transaction, source: str, external_ids: Collection[str]
) -> dict[str, StoredContent]:
    """external_id -> stored content, each row locked (on PostgreSQL) until the transaction ends."""
    found: dict[str, StoredContent] = {}
    for batch in id_batches(external_ids):
        parameters = {"source": source, "external_ids": batch}
        for row in tx.connection.execute(SELECT_CONTENT_FOR_UPDATE[tx.dialect], parameters):
            found[row.external_id] = StoredContent(*row)
    return found


def insert_new(tx: Transaction, rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Insert `rows` (full mention rows); external_id -> id of those WE inserted.

    A row whose (source, external_id) exists already, or is inserted by a concurrent writer
    first, is skipped (ON CONFLICT DO NOTHING) and so absent from the answer.
    """
    # One key order for every writer: PostgreSQL makes an insert wait for a concurrent
    # uncommitted insert of the same key, and two writers waiting in opposite orders deadlock.
    ordered = sorted(rows, key=lambda row: str(row["external_id"]))
    if not ordered:
        return {}
    if tx.dialect != "postgresql":
        # One executemany: SQLAlchemy sends it as a few multi-row INSERTs ("insertmanyvalues").
        result = tx.connection.execute(INSERT_NEW_SQLITE, ordered)
        return {row.external_id: row.id for row in result}
    # Not an executemany here: psycopg rewrites every placeholder of a query in Python, without
    # caching queries longer than 4 KiB, and a multi-row INSERT has 29 placeholders per row; an
    # array per column keeps the query short whatever the number of rows.
    inserted: dict[str, int] = {}
    for start in range(0, len(ordered), ROW_BATCH):
        columns = column_arrays(ordered[start : start + ROW_BATCH])
        result = tx.connection.execute(unnest_insert_statement(), columns)
        inserted.update({row.external_id: row.id for row in result})
    return inserted


def column_arrays(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Column name -> the rows' values of it, JSON columns serialised, for the unnest INSERT."""
    arrays: dict[str, list[Any]] = {}
    for column in INSERTED_COLUMNS:
        values = [row[column.name] for row in rows]
        if column.name in JSON_COLUMNS:
            # As SQLAlchemy's JSON type stores it: None is the JSON value null.
            values = [json.dumps(value) for value in values]
        arrays[column.name] = values
    return arrays


def replace_contents(
    tx: Transaction, old_versions: Sequence[Mapping[str, Any]], updates: Sequence[Mapping[str, Any]]
) -> None:
    """Keep `old_versions` as mention_version rows, then apply `updates` (each with its row_id)."""
    if old_versions:
        tx.connection.execute(INSERT_VERSION, list(old_versions))
    if updates:
        tx.connection.execute(UPDATE_CONTENT, list(updates))


def old_version(stored: StoredContent, now: datetime) -> dict[str, Any]:
    """The mention_version row that keeps `stored`'s content, replaced at `now`."""
    return {
        "mention_id": stored.id,
        "version": stored.version,
        "text": stored.text,
        "title": stored.title,
        "rating": stored.rating,
        "content_hash": stored.content_hash,
        "replaced_at": now,
    }


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
        "extra": stored_extra(item),
        "text_expires_at": expires,
        "visibility": str(item.visibility),
        **sentiment_values(sentiment),
    }


def stored_extra(item: Item) -> dict[str, Any]:
    """The mention's `extra` column: the adapter's keys, and its typed facts under FACTS_KEY."""
    if item.facts is None:
        return dict(item.extra)
    return {**item.extra, FACTS_KEY: safe_json(facts_to_json(item.facts))}


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
        "sentiment_p_negative": None if sentiment is None else sentiment.p_negative,
        "sentiment_p_positive": None if sentiment is None else sentiment.p_positive,
    }
