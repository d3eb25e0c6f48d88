"""Rating snapshots: a review source's overall rating and rating count at each successful poll.

The digest draws the rating trend from them, and a count that rose while no new review became
visible (Google Places shows only five) is reported as ratings the API does not show.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from monitor.model import RatingSnapshot, RatingSummary
from storage.database import Transaction
from storage.schema import rating_snapshot


def record(tx: Transaction, source: str, summary: RatingSummary, now: datetime) -> None:
    """Store one poll's rating summary for `source`."""
    tx.connection.execute(
        sa.insert(rating_snapshot).values(
            source=source,
            recorded_at=now,
            average_rating=summary.average,
            rating_count=summary.count,
        )
    )


def history(tx: Transaction, *, since: datetime, source: str | None = None) -> list[RatingSnapshot]:
    """Snapshots recorded at or after `since` (of one source, or all), oldest first."""
    query = (
        sa.select(rating_snapshot)
        .where(rating_snapshot.c.recorded_at >= since)
        .order_by(rating_snapshot.c.recorded_at, rating_snapshot.c.id)
    )
    if source is not None:
        query = query.where(rating_snapshot.c.source == source)
    return [snapshot_from_row(row) for row in tx.connection.execute(query)]


def latest_before(tx: Transaction, source: str, moment: datetime) -> RatingSnapshot | None:
    """The newest snapshot of `source` recorded before `moment`, if any."""
    row = tx.connection.execute(
        sa.select(rating_snapshot)
        .where(rating_snapshot.c.source == source, rating_snapshot.c.recorded_at < moment)
        .order_by(rating_snapshot.c.recorded_at.desc(), rating_snapshot.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else snapshot_from_row(row)


def snapshot_from_row(row: sa.Row[object]) -> RatingSnapshot:
    """A `RatingSnapshot` from a rating_snapshot row."""
    return RatingSnapshot(
        source=row.source,
        recorded_at=row.recorded_at,
        average=row.average_rating,
        count=row.rating_count,
    )
