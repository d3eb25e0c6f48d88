"""Per-source state: the adapter's cursor, health, schedule, and a lease against double polling.

A lease stops two workers (the daemon and `monitor scan`) polling one source at once. It is a
row-level compare-and-set (`UPDATE ... WHERE` the lease is free, expired or ours), so it holds
across processes and machines on both backends without a lock file.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.model import Health, SourceState
from storage.database import Transaction
from storage.errors import UnknownSourceError
from storage.safe_text import safe_text
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
    skipped_items: int = 0  # unreadable items the last successful poll left out
    scheduled: bool = True  # the daemon polls it (configured and enabled)
    host_slot: str | None = None  # the polite host its polls share with every worker
    last_lag: float | None = None  # seconds from the last poll's due time to its start


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
    dialect_insert = tx.dialect_insert()
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
            skipped_items=0,
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


def acquire_leases(
    tx: Transaction, names: Collection[str], owner: str, until: datetime, now: datetime
) -> set[str]:
    """`acquire_lease` for many sources in one statement; the names now leased to `owner`."""
    if not names:
        return set()
    lease = source_state.c
    result = tx.connection.execute(
        sa.update(source_state)
        .where(
            lease.name.in_(list(names)),
            sa.or_(
                lease.lease_owner.is_(None), lease.lease_until < now, lease.lease_owner == owner
            ),
        )
        .values(lease_owner=owner, lease_until=until)
        .returning(lease.name)
    )
    return set(result.scalars())


@dataclass(frozen=True, slots=True)
class IdleSuccess:
    """A healthy source's poll that found nothing: what is saved of it."""

    name: str
    cursor: Mapping[str, Any]
    etag: str | None
    last_modified: str | None
    next_due_at: datetime
    skipped_items: int = 0
    lag: float | None = None  # None (a manual scan) leaves the daemon's last figure alone


# One statement for every idle poll of a batch, executed once per poll's parameters (psycopg
# sends them in one pipeline): built once, never per poll. Fenced on the lease owner.
POLLED_AT = sa.bindparam("now", type_=source_state.c.last_poll_at.type)
RECORD_IDLE = (
    sa.update(source_state)
    .where(
        source_state.c.name == sa.bindparam("key"),
        source_state.c.lease_owner == sa.bindparam("owner"),
    )
    .values(
        cursor=sa.bindparam("new_cursor", type_=sa.JSON),
        etag=sa.bindparam("new_etag", type_=sa.Text),
        last_modified=sa.bindparam("new_last_modified", type_=sa.Text),
        last_poll_at=POLLED_AT,
        last_success_at=POLLED_AT,
        next_due_at=sa.bindparam("due", type_=source_state.c.next_due_at.type),
        blocked_until=None,
        lease_owner=None,
        lease_until=None,
        skipped_items=sa.bindparam("skipped", type_=sa.Integer),
        last_lag=sa.func.coalesce(sa.bindparam("lag", type_=sa.Float), source_state.c.last_lag),
    )
)


def record_idle_successes(
    tx: Transaction, successes: Collection[IdleSuccess], *, now: datetime, owner: str
) -> set[str]:
    """Healthy sources' polls that found nothing: their states saved and leases given back, in
    two statements whatever their number, fenced on `owner`. The names written; nothing is
    written for a source whose lease is no longer `owner`'s.
    """
    if not successes:
        return set()
    # The rows still ours, locked (PostgreSQL; SQLite's write transaction holds the database)
    # so no lease changes hands between this read and the write.
    held = set(
        tx.connection.execute(
            sa.select(source_state.c.name)
            .where(
                source_state.c.name.in_([success.name for success in successes]),
                source_state.c.lease_owner == owner,
            )
            .with_for_update()
        ).scalars()
    )
    parameters = [
        {
            "key": success.name,
            "owner": owner,
            "new_cursor": dict(success.cursor),
            "new_etag": success.etag,
            "new_last_modified": success.last_modified,
            "now": now,
            "due": success.next_due_at,
            "skipped": success.skipped_items,
            "lag": success.lag,
        }
        for success in successes
        if success.name in held
    ]
    if parameters:
        tx.connection.execute(RECORD_IDLE, parameters)
    return held


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


@dataclass(frozen=True, slots=True)
class LockedRow:
    """The columns a poll's outcome is recorded against."""

    health: str
    consecutive_failures: int


class LeaseLostError(Exception):
    """The lease on a source is no longer the poll's: a fenced write refused, or a renewal found
    it taken over (monitor.scan.leases). The scan reports either as `lease_lost`."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """How recording a poll's outcome changed a source: what the health rule reads."""

    previous_health: Health
    previous_failures: int
    health: Health
    consecutive_failures: int

    @property
    def recovered(self) -> bool:
        """True when a source that was failing or unhealthy has just succeeded."""
        return self.health is Health.OK and (
            self.previous_health is not Health.OK or self.previous_failures > 0
        )


def record_success(
    tx: Transaction,
    name: str,
    *,
    cursor: Mapping[str, Any],
    etag: str | None,
    last_modified: str | None,
    now: datetime,
    next_due_at: datetime,
    owner: str | None = None,
    skipped_items: int = 0,
    lag: float | None = None,
) -> Recorded:
    """Save a successful poll's state and mark the source healthy.

    `skipped_items` (unreadable items the poll left out) is kept for `monitor status`. With
    `owner`, the write is fenced: LeaseLostError unless `owner` still holds the lease.
    """
    previous = locked_row(tx, name, owner)
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
            skipped_items=skipped_items,
            **lag_value(lag),
        )
    )
    return Recorded(Health(previous.health), previous.consecutive_failures, Health.OK, 0)


def record_failure(
    tx: Transaction,
    name: str,
    *,
    error: str,
    health: str,
    now: datetime,
    next_due_at: datetime | Callable[[int], datetime],
    blocked_until: datetime | None,
    owner: str | None = None,
    cursor: Mapping[str, Any] | None = None,
    lag: float | None = None,
) -> Recorded:
    """Record a failed poll, keeping the cursor (or saving `cursor` when the adapter gave one).

    `next_due_at` may be a function of the failures in a row (this one included), for backoff.
    With `owner`, the write is fenced as in `record_success`.
    """
    previous = locked_row(tx, name, owner)
    failures = previous.consecutive_failures + 1
    due = next_due_at(failures) if callable(next_due_at) else next_due_at
    new_health = Health(health)
    kept = {} if cursor is None else {"cursor": dict(cursor)}
    tx.connection.execute(
        sa.update(source_state)
        .where(source_state.c.name == name)
        .values(
            **kept,
            consecutive_failures=failures,
            last_error=safe_text(error)[:MAX_ERROR_LENGTH],
            health=new_health.value,
            last_poll_at=now,
            next_due_at=due,
            blocked_until=blocked_until,
            **lag_value(lag),
        )
    )
    return Recorded(Health(previous.health), previous.consecutive_failures, new_health, failures)


def lag_value(lag: float | None) -> dict[str, float]:
    """The `last_lag` column's new value, if the poll was a scheduled one (a manual scan has no
    due time to lag behind, and leaves the daemon's figure alone)."""
    return {} if lag is None else {"last_lag": lag}


def locked_row(tx: Transaction, name: str, owner: str | None = None) -> LockedRow:
    """The source's health and failure count, its row locked (PostgreSQL) until the end.

    With `owner`: LeaseLostError unless `owner` holds the lease. On SQLite the write
    transaction already holds the database's write lock, so check and write are atomic.
    """
    query = sa.select(
        source_state.c.health, source_state.c.consecutive_failures, source_state.c.lease_owner
    ).where(source_state.c.name == name)
    row = tx.connection.execute(query.with_for_update()).first()
    if row is None:
        raise UnknownSourceError(f"no state for source {name!r}")
    if owner is not None and row.lease_owner != owner:
        raise LeaseLostError(f"the lease on {name} is no longer ours")
    return LockedRow(row.health, row.consecutive_failures)


def renew_lease(tx: Transaction, name: str, owner: str, until: datetime) -> bool:
    """Extend `owner`'s lease to `until`; False when `owner` no longer holds it."""
    result = tx.connection.execute(
        sa.update(source_state)
        .where(source_state.c.name == name, source_state.c.lease_owner == owner)
        .values(lease_until=until)
    )
    return result.rowcount == 1


def ensure_many(tx: Transaction, types: Mapping[str, str]) -> set[str]:
    """`ensure` for many sources in a few statements; the names whose type changed (reset)."""
    if not types:
        return set()
    dialect_insert = tx.dialect_insert()
    tx.connection.execute(
        dialect_insert(source_state).on_conflict_do_nothing(index_elements=["name"]),
        [
            {
                "name": name,
                "type": source_type,
                "cursor": {},
                "consecutive_failures": 0,
                "health": Health.OK.value,
            }
            for name, source_type in types.items()
        ],
    )
    stored = tx.connection.execute(
        sa.select(source_state.c.name, source_state.c.type).where(
            source_state.c.name.in_(list(types))
        )
    )
    changed = {row.name for row in stored if row.type != types[row.name]}
    for name in changed:
        ensure(tx, name, types[name])
    return changed


def rows(tx: Transaction, names: Collection[str]) -> dict[str, SourceStateRow]:
    """The stored state of the named sources (those that have a row), by name."""
    query = sa.select(source_state).where(source_state.c.name.in_(list(names)))
    return {row.name: row_from_result(row) for row in tx.connection.execute(query)}


def statuses(tx: Transaction) -> dict[str, SourceStateRow]:
    """Every source's stored state, by name."""
    query = sa.select(source_state).order_by(source_state.c.name)
    return {row.name: row_from_result(row) for row in tx.connection.execute(query)}


def row_from_result(row: sa.Row[Any]) -> SourceStateRow:
    """A `SourceStateRow` from a full source_state row."""
    return SourceStateRow(
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
        skipped_items=row.skipped_items,
        scheduled=bool(row.scheduled),
        host_slot=row.host_slot,
        last_lag=row.last_lag,
    )
