"""Mentions: stored once per (source, external_id), updated in place when edited, old text kept.

Writes go in batches (`add_or_update_many`): one SELECT per 500 ids finds the stored rows, one
`INSERT ... ON CONFLICT DO NOTHING RETURNING` stores the new ones (an executemany on SQLite, an
array per column on PostgreSQL: see `storage.mention_rows`), and only the changed rows are
locked, re-read and updated. Two scans may store the same item at once (the
daemon and `monitor scan`, or two workers): the unique key lets exactly one of them insert the
row; the other learns from RETURNING that it did not, and then treats the row as stored
(unchanged, or updated if its copy differs).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa

from monitor.model import Item, Mention, Sentiment, Visibility
from storage import mention_rows
from storage.database import Transaction
from storage.errors import StorageError
from storage.mention_reading import mention_from_row, with_schools
from storage.mention_rows import item_values, stored_extra
from storage.safe_text import safe_item
from storage.schema import mention, mention_version


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What `add_or_update` did with an item."""

    mention_id: int
    status: Literal["new", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class MentionWrite:
    """One item to store, with its scores; `baseline` as for `add_or_update`."""

    item: Item
    sentiment: Sentiment | None
    labels: Sequence[str]
    baseline: bool


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
    """SHA-256 (hex) over every stored field of the item: changes when any of them does.

    Title, text, author, rating, URL, publication time, parent, `extra` (with the typed facts
    stored in it) and visibility all count: a Google owner reply changes only `extra`, a Facebook
    comment hidden only its visibility, and each is still an edit. The formula is frozen in
    migration 0002, which rehashed the rows stored before it; visibility joins it only when not
    `visible`, so a visible mention keeps that hash (migration 0005 rehashed the hidden ones).
    """
    rating = None if item.rating is None else float(item.rating)
    published = None if item.published_at is None else item.published_at.astimezone(UTC).isoformat()
    fields: list[Any] = [
        2,
        item.text,
        item.title,
        item.author,
        rating,
        item.url,
        published,
        item.parent_external_id,
        stored_extra(item),
    ]
    if item.visibility != Visibility.VISIBLE:
        fields.append(str(item.visibility))
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def existing_hashes(tx: Transaction, source: str, external_ids: Collection[str]) -> dict[str, str]:
    """external_id -> content_hash for those of `external_ids` already stored for `source`."""
    stored = mention_rows.stored_hashes(tx, source, external_ids)
    return {external_id: row.content_hash for external_id, row in stored.items()}


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

    `baseline` marks a mention written only by baseline polls: an update in a live poll clears
    it, unless the update left title, text and rating as they were.
    """
    write = MentionWrite(item, sentiment, labels, baseline)
    [outcome] = add_or_update_many(
        tx, source=source, source_type=source_type, writes=[write], now=now
    )
    return outcome


def add_or_update_many(
    tx: Transaction,
    *,
    source: str,
    source_type: str,
    writes: Sequence[MentionWrite],
    now: datetime,
) -> list[WriteOutcome]:
    """`add_or_update` for each write, in a few statements; outcomes in the order of `writes`.

    An external_id given more than once is written once, from its LAST write (the newest copy a
    source returned); its earlier writes store nothing and are reported "unchanged" with the
    same mention id, so counting the statuses counts each item once.
    """
    # Scraped text reaches both backends only after NUL, other controls and lone surrogates go.
    writes = [replace(write, item=safe_item(write.item)) for write in writes]
    last = {write.item.external_id: index for index, write in enumerate(writes)}
    latest = {external_id: writes[index] for external_id, index in last.items()}
    digests = {external_id: content_hash(write.item) for external_id, write in latest.items()}
    stored = mention_rows.stored_hashes(tx, source, latest)
    rows = [
        new_row(write, source, source_type, now, digests[external_id])
        for external_id, write in latest.items()
        if external_id not in stored
    ]
    outcomes = {
        external_id: WriteOutcome(mention_id, "new")
        for external_id, mention_id in mention_rows.insert_new(tx, rows).items()
    }
    for external_id, row in stored.items():
        if row.content_hash == digests[external_id]:
            outcomes[external_id] = WriteOutcome(row.id, "unchanged")
    # Left: rows that differ from ours, and rows a concurrent writer inserted first (PostgreSQL
    # only: SQLite's BEGIN IMMEDIATE serialises writers). Both are committed, so we can lock them.
    recheck = {key: write for key, write in latest.items() if key not in outcomes}
    if recheck:
        outcomes.update(update_changed(tx, source, recheck, digests, now))
    return in_write_order(writes, last, outcomes)


def in_write_order(
    writes: Sequence[MentionWrite], last: Mapping[str, int], outcomes: Mapping[str, WriteOutcome]
) -> list[WriteOutcome]:
    """One outcome per write; a write superseded by a later one of the same id is "unchanged"."""
    answers: list[WriteOutcome] = []
    for index, write in enumerate(writes):
        outcome = outcomes[write.item.external_id]
        if last[write.item.external_id] != index:
            outcome = WriteOutcome(outcome.mention_id, "unchanged")
        answers.append(outcome)
    return answers


def update_changed(
    tx: Transaction,
    source: str,
    writes: Mapping[str, MentionWrite],
    digests: Mapping[str, str],
    now: datetime,
) -> dict[str, WriteOutcome]:
    """Lock the stored rows of `writes` and update those whose content differs from ours."""
    stored = mention_rows.lock_stored(tx, source, writes)
    outcomes: dict[str, WriteOutcome] = {}
    old_versions: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for external_id, write in writes.items():
        row = stored.get(external_id)
        if row is None:
            raise RuntimeError(f"mention {source}/{external_id} neither inserted nor found")
        if row.content_hash == digests[external_id]:
            outcomes[external_id] = WriteOutcome(row.id, "unchanged")
            continue
        old_versions.append(mention_rows.old_version(row, now))
        values = item_values(write.item, write.sentiment, write.labels, now, digests[external_id])
        # An edit seen live is news, so the row stays baseline only if this poll is one too, or
        # if the edit left its words as they were (a moved link is still history, as the rules
        # judged it: nothing raised, nothing in the digest, nothing on a rescore).
        unchanged = StoredText(row.title, row.text, row.rating).same_words(write.item)
        stays_history = row.baseline and (write.baseline or unchanged)
        values.update(version=row.version + 1, baseline=stays_history)
        updates.append({**values, "row_id": row.id})
        outcomes[external_id] = WriteOutcome(row.id, "updated")
    mention_rows.replace_contents(tx, old_versions, updates)
    return outcomes


def new_row(
    write: MentionWrite, source: str, source_type: str, now: datetime, digest: str
) -> dict[str, Any]:
    """The full mention row that stores `write` for the first time."""
    values = item_values(write.item, write.sentiment, write.labels, now, digest)
    values.update(
        source=source,
        source_type=source_type,
        external_id=write.item.external_id,
        first_seen_at=now,
        version=1,
        baseline=write.baseline,
    )
    return values


def find(tx: Transaction, source: str, external_ids: Collection[str]) -> dict[str, Mention]:
    """external_id -> stored mention, for those of `external_ids` stored for `source`."""
    found: dict[str, Mention] = {}
    for batch in mention_rows.id_batches(external_ids):
        query = mention_rows.of_source(*mention.columns)
        rows = tx.connection.execute(query, {"source": source, "external_ids": batch})
        for row in rows.mappings():
            found[row["external_id"]] = mention_from_row(row)
    return found


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


# ---- for the rules and `monitor rescore` -----------------------------------------------------


def count_published(tx: Transaction, since: datetime, until: datetime) -> int:
    """Mentions published (or, if undated, first seen) in [since, until), history included."""
    when = sa.func.coalesce(mention.c.published_at, mention.c.first_seen_at)
    query = sa.select(sa.func.count()).where(when >= since, when < until)
    return int(tx.connection.execute(query).scalar_one())


@dataclass(frozen=True, slots=True)
class StoredText:
    """What the rules compare an edit with: the stored title, text and rating."""

    title: str | None
    text: str
    rating: float | None

    def same_words(self, item: Item) -> bool:
        """True when `item` says what was stored: the same title, text and rating."""
        return (item.title, item.text, item.rating) == (self.title, self.text, self.rating)


def stored_texts(
    tx: Transaction, source: str, external_ids: Collection[str]
) -> dict[str, StoredText]:
    """external_id -> stored title, text and rating, for those of `external_ids` stored."""
    found: dict[str, StoredText] = {}
    columns = (mention.c.external_id, mention.c.title, mention.c.text, mention.c.rating)
    for batch in mention_rows.id_batches(external_ids):
        rows = tx.connection.execute(
            mention_rows.of_source(*columns), {"source": source, "external_ids": batch}
        )
        found.update({row.external_id: StoredText(row.title, row.text, row.rating) for row in rows})
    return found


def mentions_to_rescore(tx: Transaction, since: datetime | None) -> list[Mention]:
    """Stored mentions first seen since `since` (all when None), oldest first, with schools."""
    query = sa.select(mention).order_by(mention.c.id)
    if since is not None:
        query = query.where(mention.c.first_seen_at >= since)
    rows = tx.connection.execute(query).mappings()
    return with_schools(tx, [mention_from_row(row) for row in rows])


def update_scores(
    tx: Transaction, mention_id: int, sentiment: Sentiment | None, labels: Sequence[str]
) -> None:
    """Replace a mention's sentiment and labels (its text, hash and version are untouched)."""
    values = mention_rows.sentiment_values(sentiment)
    values["labels"] = list(labels)
    tx.connection.execute(sa.update(mention).where(mention.c.id == mention_id).values(**values))


def get(tx: Transaction, mention_id: int) -> Mention | None:
    """One stored mention by id, or None."""
    query = sa.select(mention).where(mention.c.id == mention_id)
    row = tx.connection.execute(query).mappings().first()
    return None if row is None else mention_from_row(row)


def set_source_state(
    tx: Transaction,
    mention_id: int,
    *,
    extra: Mapping[str, Any] | None,
    visibility: Visibility | None,
    now: datetime,
) -> Mention:
    """Record what the school changed at the source (a reply in `extra`, a hidden comment).

    The row is rehashed as the next poll will hash the same state, so that poll sees nothing
    new; no version is kept, since the author's words are unchanged. StorageError if the
    mention is gone (purged meanwhile).
    """
    query = sa.select(mention).where(mention.c.id == mention_id)
    if tx.dialect == "postgresql":
        query = query.with_for_update()
    row = tx.connection.execute(query).mappings().first()
    if row is None:
        raise StorageError(f"mention {mention_id} is no longer stored")
    stored = mention_from_row(row)
    item = safe_item(
        Item(
            external_id=stored.external_id,
            item_type=stored.item_type,
            text=stored.text,
            url=stored.url,
            title=stored.title,
            author=stored.author,
            published_at=stored.published_at,
            rating=stored.rating,
            parent_external_id=stored.parent_external_id,
            extra=stored.extra if extra is None else extra,
            visibility=stored.visibility if visibility is None else visibility,
            facts=stored.facts,
        )
    )
    tx.connection.execute(
        sa.update(mention)
        .where(mention.c.id == mention_id)
        .values(
            extra=mention_rows.stored_extra(item),
            visibility=str(item.visibility),
            content_hash=content_hash(item),
            updated_at=now,
        )
    )
    return replace(stored, extra=dict(item.extra), visibility=item.visibility, updated_at=now)
