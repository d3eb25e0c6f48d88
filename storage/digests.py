"""Digest windows, and what the digest and the urgent mail read about mentions and alerts.

Windows tile time: each digest covers [window_start, window_end) and the next starts where the
last ended (`last_window_end`); `digest.window_start` is UNIQUE, so two dispatchers racing to
build the same window insert it once (`add` returns None for the loser).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from monitor.model import Alert, AlertStatus, ItemType, Mention
from storage import schools
from storage.alerts import alert_from_row
from storage.database import Transaction
from storage.mention_reading import mention_from_row, with_schools
from storage.schema import alert, digest, mention


@dataclass(frozen=True, slots=True)
class DigestWindow:
    """One digest that was built: the time it covers and its outbox row."""

    id: int
    window_start: datetime
    window_end: datetime
    outbox_id: int | None
    created_at: datetime


def last_window_end(tx: Transaction) -> datetime | None:
    """Where the newest digest window ended (the next one starts there), or None."""
    end: datetime | None = tx.connection.execute(
        sa.select(sa.func.max(digest.c.window_end))
    ).scalar()
    return end


def add(
    tx: Transaction, start: datetime, end: datetime, outbox_id: int | None, now: datetime
) -> int | None:
    """Record the window [start, end); its id, or None if a digest already starts at `start`."""
    dialect_insert = tx.dialect_insert()
    new_id: int | None = tx.connection.execute(
        dialect_insert(digest)
        .values(window_start=start, window_end=end, outbox_id=outbox_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["window_start"])
        .returning(digest.c.id)
    ).scalar_one_or_none()
    return new_id


def windows(tx: Transaction) -> list[DigestWindow]:
    """Every digest window, oldest first."""
    rows = tx.connection.execute(sa.select(digest).order_by(digest.c.window_start))
    return [
        DigestWindow(row.id, row.window_start, row.window_end, row.outbox_id, row.created_at)
        for row in rows
    ]


def first_seen(tx: Transaction) -> datetime | None:
    """When the first mention was stored, or None before any."""
    moment: datetime | None = tx.connection.execute(
        sa.select(sa.func.min(mention.c.first_seen_at))
    ).scalar()
    return moment


def about(school: str | None) -> list[sa.ColumnElement[bool]]:
    """Conditions on `mention` rows keeping those about `school` (none when None: every one)."""
    return [] if school is None else [schools.mention_is_about(school)]


def mentions_seen(
    tx: Transaction, start: datetime, end: datetime, school: str | None = None
) -> list[Mention]:
    """Mentions (about `school`, if given) first stored in [start, end), baseline excluded.

    Oldest first, each with its schools.
    """
    rows = tx.connection.execute(
        sa.select(mention)
        .where(
            mention.c.first_seen_at >= start,
            mention.c.first_seen_at < end,
            mention.c.baseline.is_(False),
            *about(school),
        )
        .order_by(mention.c.first_seen_at, mention.c.id)
    )
    return with_schools(tx, [mention_from_row(row) for row in rows.mappings()])


def baseline_count(
    tx: Transaction, start: datetime, end: datetime, school: str | None = None
) -> int:
    """How many baseline (history) mentions (about `school`) were stored in [start, end)."""
    count: int = tx.connection.execute(
        sa.select(sa.func.count()).where(
            mention.c.first_seen_at >= start,
            mention.c.first_seen_at < end,
            mention.c.baseline.is_(True),
            *about(school),
        )
    ).scalar_one()
    return count


def labels_seen(
    tx: Transaction, start: datetime, end: datetime, school: str | None = None
) -> list[tuple[datetime, list[str]]]:
    """(first_seen_at, labels) of the non-baseline mentions stored in [start, end): for trends."""
    rows = tx.connection.execute(
        sa.select(mention.c.first_seen_at, mention.c.labels).where(
            mention.c.first_seen_at >= start,
            mention.c.first_seen_at < end,
            mention.c.baseline.is_(False),
            *about(school),
        )
    )
    return [(seen, list(labels)) for seen, labels in rows]


def mentions_by_id(tx: Transaction, ids: Sequence[int]) -> dict[int, Mention]:
    """The mentions with these ids that still exist, by id."""
    if not ids:
        return {}
    rows = tx.connection.execute(sa.select(mention).where(mention.c.id.in_(list(set(ids)))))
    return {row["id"]: mention_from_row(row) for row in rows.mappings()}


def mentions_of_type(tx: Transaction, source: str, item_type: str) -> list[Mention]:
    """Every stored mention of `source` of one item type, oldest first (baseline ones too)."""
    rows = tx.connection.execute(
        sa.select(mention)
        .where(mention.c.source == source, mention.c.item_type == item_type)
        .order_by(mention.c.first_seen_at, mention.c.id)
    )
    return [mention_from_row(row) for row in rows.mappings()]


def unreplied_reviews(
    tx: Transaction, limit: int, school: str | None = None
) -> tuple[list[Mention], int]:
    """Up to `limit` reviews whose `extra.has_reply` is false, newest first, and how many in all."""
    condition = sa.and_(
        mention.c.item_type == str(ItemType.REVIEW),
        mention.c.extra["has_reply"].as_boolean().is_(False),
        *about(school),
    )
    total: int = tx.connection.execute(sa.select(sa.func.count()).where(condition)).scalar_one()
    when = sa.func.coalesce(mention.c.published_at, mention.c.first_seen_at)
    rows = tx.connection.execute(
        sa.select(mention).where(condition).order_by(when.desc(), mention.c.id.desc()).limit(limit)
    )
    return [mention_from_row(row) for row in rows.mappings()], total


def alerts_created(
    tx: Transaction, start: datetime, end: datetime, school: str | None = None
) -> list[Alert]:
    """Alerts (about `school`, if given) raised in [start, end), oldest first, with schools."""
    condition = [] if school is None else [schools.alert_is_about(school)]
    rows = tx.connection.execute(
        sa.select(alert)
        .where(alert.c.created_at >= start, alert.c.created_at < end, *condition)
        .order_by(alert.c.created_at, alert.c.id)
    )
    return schools.alerts_with_schools(tx, [alert_from_row(row) for row in rows])


def open_alert_count(tx: Transaction, school: str | None = None) -> int:
    """How many alerts (about `school`) are open: not acknowledged, resolved or dismissed."""
    condition = [] if school is None else [schools.alert_is_about(school)]
    count: int = tx.connection.execute(
        sa.select(sa.func.count()).where(alert.c.status == str(AlertStatus.OPEN), *condition)
    ).scalar_one()
    return count
