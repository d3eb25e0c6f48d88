"""Per-source state: the adapter's cursor, health, schedule, and a lease against double polling.

A lease stops two workers (the daemon and `monitor scan`) polling one source at once. It is a
row-level compare-and-set (`UPDATE ... WHERE` the lease is free, expired or ours), so it holds
across processes and machines on both backends without a lock file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from monitor.model import Health, SourceState
from storage.database import Transaction
from storage.schema import source_state

# Enough to say what went wrong; a whole HTML error page is not.
MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class SourceStateRow:
    """Every stored column of one source's state, for `monitor status` and the scheduler."""

    name: str
    type: str
    cursor: Mapping[str, Any]
    etag: str | None
    last_modified: str | None
    last_poll_at: datetime | None
    last_success_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    health: Health
    next_due_at: datetime | None
    blocked_until: datetime | None
    lease_owner: str | None
    lease_until: datetime | None


class UnknownSourceError(LookupError):
    """No state row for this source name: `ensure` it first."""


def load(tx: Transaction, name: str) -> SourceState | None:
    """The state handed to the source's adapter, or None if the source has no row yet."""
    row = tx.connection.execute(
        sa.select(
            source_state.c.cursor,
            source_state.c.etag,
            source_state.c.last_modified,
            source_state.c.last_success_at,
        ).where(source_state.c.name == name)
    ).first()
    if row is None:
        return None
    return SourceState(
        name=name,
        cursor=dict(row.cursor),
        etag=row.etag,
        last_modified=row.last_modified,
        last_success_at=row.last_success_at,
    )


def ensure(tx: Transaction, name: str, source_type: str) -> bool:
    """Create the source's row (healthy, no cursor) unless it exists; True if it was reset.

    A source whose `type` changed in config starts afresh: another adapter's cursor means
    nothing to the new one, and its first poll must be a baseline, not a flood of "new" history.
    """
    dialect_insert = postgresql.insert if tx.dialect == "postgresql" else sqlite.insert
    tx.connection.execute(
        dialect_insert(source_state)
        .values(
            name=name,
            type=source_type,
            cursor={},
            consecutive_failures=0,
            health=Health.OK.value,
        )
        .on_conflict_do_nothing(index_elements=["name"])
    )
    reset = tx.connection.execute(
        sa.update(source_state)
        .where(source_state.c.name == name, source_state.c.type != source_type)
        .values(
            type=source_type,
            cursor={},
            etag=None,
            last_modified=None,
            last_success_at=None,
            consecutive_failures=0,
            health=Health.OK.value,
            last_error=None,
            blocked_until=None,
            next_due_at=None,
        )
    )
    return bool(reset.rowcount)


def acquire_lease(tx: Transaction, name: str, owner: str, until: datetime, now: datetime) -> bool:
    """Take (or extend) the lease on a source until `until`; False if another owner holds it.

    Also False when the source has no row: call `ensure` first.
    """
    lease = source_state.c
    result = tx.connection.execute(
        sa.update(source_state)
        .where(
            lease.name == name,
            sa.or_(
                lease.lease_owner.is_(None), lease.lease_until < now, lease.lease_owner == owner
            ),
        )
        .values(lease_owner=owner, lease_until=until)
    )
    return result.rowcount == 1


def release_lease(tx: Transaction, name: str, owner: str) -> None:
    """Give the lease back, if `owner` still holds it."""
    tx.connection.execute(
        sa.update(source_state)
        .where(source_state.c.name == name, source_state.c.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )


def lease_holder(tx: Transaction, name: str, now: datetime) -> str | None:
    """Who holds an unexpired lease on the source at `now`, or None."""
    holder: str | None = tx.connection.execute(
        sa.select(source_state.c.lease_owner).where(
            source_state.c.name == name,
            source_state.c.lease_owner.is_not(None),
            source_state.c.lease_until >= now,
        )
    ).scalar_one_or_none()
    return holder


def record_success(
    tx: Transaction,
    name: str,
    *,
    cursor: Mapping[str, Any],
    etag: str | None,
    last_modified: str | None,
    now: datetime,
    next_due_at: datetime,
) -> bool:
    """Save a successful poll's state and mark the source healthy; True if it was not before."""
    previous = locked_health(tx, name)
    tx.connection.execute(
        sa.update(source_state)
        .where(source_state.c.name == name)
        .values(
            cursor=dict(cursor),
            etag=etag,
            last_modified=last_modified,
            last_poll_at=now,
            last_success_at=now,
            consecutive_failures=0,
            last_error=None,
            health=Health.OK.value,
            next_due_at=next_due_at,
            blocked_until=None,
        )
    )
    return previous is not Health.OK


def record_failure(
    tx: Transaction,
    name: str,
    *,
    error: str,
    health: str,
    now: datetime,
    next_due_at: datetime,
    blocked_until: datetime | None,
) -> int:
    """Record a failed poll, keeping the cursor; returns the failures in a row, this included."""
    new_health = Health(health)
    failures: int | None = tx.connection.execute(
        sa.update(source_state)
        .where(source_state.c.name == name)
        .values(
            consecutive_failures=source_state.c.consecutive_failures + 1,
            last_error=error[:MAX_ERROR_LENGTH],
            health=new_health.value,
            last_poll_at=now,
            next_due_at=next_due_at,
            blocked_until=blocked_until,
        )
        .returning(source_state.c.consecutive_failures)
    ).scalar_one_or_none()
    if failures is None:
        raise UnknownSourceError(f"no state for source {name!r}")
    return failures


def locked_health(tx: Transaction, name: str) -> Health:
    """The source's current health, its row locked (on PostgreSQL) until the transaction ends."""
    health: str | None = tx.connection.execute(
        sa.select(source_state.c.health).where(source_state.c.name == name).with_for_update()
    ).scalar_one_or_none()
    if health is None:
        raise UnknownSourceError(f"no state for source {name!r}")
    return Health(health)


def statuses(tx: Transaction) -> dict[str, SourceStateRow]:
    """Every source's stored state, by name."""
    rows = tx.connection.execute(sa.select(source_state).order_by(source_state.c.name))
    return {
        row.name: SourceStateRow(
            name=row.name,
            type=row.type,
            cursor=dict(row.cursor),
            etag=row.etag,
            last_modified=row.last_modified,
            last_poll_at=row.last_poll_at,
            last_success_at=row.last_success_at,
            consecutive_failures=row.consecutive_failures,
            last_error=row.last_error,
            health=Health(row.health),
            next_due_at=row.next_due_at,
            blocked_until=row.blocked_until,
            lease_owner=row.lease_owner,
            lease_until=row.lease_until,
        )
        for row in rows
    }
