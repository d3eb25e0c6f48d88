"""The daemon's schedule in the database: which sources it polls, claiming the due ones, host slots.

    sync(tx, planned, now)                          rows ensured, flags set, first due times spread
    claim_due(tx, owner, now, until, limit)         lease up to `limit` due sources (SKIP LOCKED)
    release_host(tx, host, owner, free_at)          a polite host free again, from `free_at`
    renew_host(tx, host, owner, until)              keep a host slot while its poll runs

A claim is one short transaction: the due rows are read `FOR UPDATE SKIP LOCKED` on PostgreSQL,
so workers claiming at the same moment take different sources and never wait for each other;
on SQLite the write transaction holds the database lock instead. A source with a host slot is
claimed only with its host's slot (one poll of the host at a time across every worker, and not
before the pause after the last one), so a site's politeness holds whatever the number of workers.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from storage.database import Transaction
from storage.schema import host_slot, source_state
from storage.source_state import SourceStateRow, ensure_many, row_from_result


@dataclass(frozen=True, slots=True)
class Planned:
    """A configured source as the schedule sees it."""

    name: str
    type: str
    interval: timedelta
    scheduled: bool  # enabled: the daemon polls it
    host: str | None = None  # the polite host its polls share with every worker, if any
    jitter: timedelta = timedelta(0)  # how much later than `interval` a due time may be set


# New sources enter the schedule at most this many a second: a first start with thousands of
# sources spreads them over their interval (no thundering herd), a handful start at once.
FIRST_START_RATE = 20.0


def first_dues(
    new: Sequence[Planned], now: datetime, rate: float = FIRST_START_RATE
) -> dict[str, datetime]:
    """When each never-scheduled source is first due: `rate` a second from now (the first
    `rate` at once), or evenly over its interval when that would take longer; in an order fixed
    by the names, so workers starting together agree.
    """
    order = sorted(new, key=lambda source: (zlib.crc32(source.name.encode("utf-8")), source.name))
    admit_all = len(order) / rate
    dues = {}
    for rank, source in enumerate(order):
        if admit_all > source.interval.total_seconds():
            offset = source.interval * (rank / len(order))
        else:
            offset = timedelta(seconds=rank // rate)
        dues[source.name] = now + offset
    return dues


def sync(tx: Transaction, planned: Sequence[Planned], now: datetime) -> None:
    """Make the stored schedule match the config: rows, flags, host slots and due times.

    A source polled before keeps its due time, unless its interval was shortened below what is
    left of it and it is healthy (a failing source keeps its backoff).
    """
    ensure_many(tx, {source.name: source.type for source in planned})
    stored = {
        row.name: row
        for row in tx.connection.execute(
            sa.select(
                source_state.c.name,
                source_state.c.scheduled,
                source_state.c.host_slot,
                source_state.c.next_due_at,
                source_state.c.consecutive_failures,
            )
        )
    }
    wanted = {source.name: source for source in planned}
    unscheduled = [
        source
        for source in planned
        if source.scheduled
        and (source.name not in stored or stored[source.name].next_due_at is None)
    ]
    firsts = first_dues(unscheduled, now)
    shortened = [
        source
        for source in planned
        if source.scheduled
        and source.name in stored
        and stored[source.name].next_due_at is not None
        and stored[source.name].next_due_at > now + source.interval + source.jitter
        and stored[source.name].consecutive_failures == 0
    ]
    firsts.update(first_dues(shortened, now))
    changes: list[dict[str, object]] = []
    for name, row in sorted(stored.items()):  # one order: two workers starting never deadlock
        source = wanted.get(name)
        scheduled = source is not None and source.scheduled
        host = source.host if source is not None else row.host_slot
        due = firsts.get(name, row.next_due_at)
        if (scheduled, host, due) != (row.scheduled, row.host_slot, row.next_due_at):
            changes.append({"key": name, "scheduled": scheduled, "host": host, "due": due})
    if changes:
        tx.connection.execute(
            sa.update(source_state)
            .where(source_state.c.name == sa.bindparam("key"))
            .values(
                scheduled=sa.bindparam("scheduled"),
                host_slot=sa.bindparam("host"),
                next_due_at=sa.bindparam("due"),
            ),
            changes,
        )


def claim_query() -> sa.Select[Any]:
    """Up to :limit rows due at :now and free, most overdue first, locked (PostgreSQL: rows
    other workers hold locked are skipped; SQLite renders no FOR UPDATE, its write
    transaction holds the database); a row with a host slot only while its host is free."""
    state = source_state.c
    now = sa.bindparam("now", type_=state.next_due_at.type)
    host_busy = (
        sa.select(sa.literal(1))
        .where(
            host_slot.c.host == state.host_slot,
            sa.or_(
                sa.and_(host_slot.c.owner.is_not(None), host_slot.c.lease_until >= now),
                host_slot.c.free_at > now,
            ),
        )
        .exists()
    )
    return (
        sa.select(source_state)
        .where(
            state.scheduled.is_(True),
            sa.or_(state.next_due_at.is_(None), state.next_due_at <= now),
            sa.or_(state.lease_owner.is_(None), state.lease_until < now),
            sa.or_(state.blocked_until.is_(None), state.blocked_until <= now),
            sa.or_(state.host_slot.is_(None), ~host_busy),
        )
        .order_by(state.next_due_at.asc().nulls_first(), state.name)
        .limit(sa.bindparam("limit", type_=sa.Integer))
        # Workers claiming at once take different rows and never wait on each other's.
        .with_for_update(skip_locked=True, of=source_state)
    )


# Built once: a worker claims several times a second, and building the query cost more CPU
# than running it.
CLAIM_DUE = claim_query()
LEASE = (
    sa.update(source_state)
    .where(source_state.c.name.in_(sa.bindparam("names", expanding=True)))
    .values(
        lease_owner=sa.bindparam("owner", type_=sa.Text),
        lease_until=sa.bindparam("until", type_=source_state.c.lease_until.type),
    )
)


def claim_due(
    tx: Transaction, owner: str, now: datetime, until: datetime, limit: int
) -> list[SourceStateRow]:
    """Lease to `owner` until `until` up to `limit` sources that are due and free, most overdue
    first; a source with a host slot only together with its host's slot. Their rows as claimed.
    """
    if limit <= 0:
        return []
    rows = [
        row_from_result(row)
        for row in tx.connection.execute(CLAIM_DUE, {"now": now, "limit": limit})
    ]
    claimed: list[SourceStateRow] = []
    hosts_taken: set[str] = set()
    for row in rows:
        host = row.host_slot
        if host is not None:
            if host in hosts_taken or not take_host(tx, host, owner, row.name, until, now):
                continue  # another poll of that host runs, here or elsewhere: it waits its turn
            hosts_taken.add(host)
        claimed.append(row)
    lease(tx, [row.name for row in claimed], owner, until)
    return claimed


def lease(tx: Transaction, names: Collection[str], owner: str, until: datetime) -> None:
    """Lease rows this transaction has already found free (and locked, on PostgreSQL)."""
    if not names:
        return
    tx.connection.execute(LEASE, {"names": list(names), "owner": owner, "until": until})


def take_host(
    tx: Transaction, host: str, owner: str, source: str, until: datetime, now: datetime
) -> bool:
    """Take `host`'s slot for `source`'s poll; False while another poll holds it or its pause
    after the last poll has not ended."""
    dialect_insert = tx.dialect_insert()
    inserted = tx.connection.execute(
        dialect_insert(host_slot)
        .values(host=host, owner=owner, source=source, lease_until=until, free_at=now)
        .on_conflict_do_nothing(index_elements=["host"])
        .returning(host_slot.c.host)
    ).first()
    if inserted is not None:
        return True
    slot = host_slot.c
    taken = tx.connection.execute(
        sa.update(host_slot)
        .where(
            slot.host == host,
            sa.or_(slot.owner.is_(None), slot.lease_until < now),
            slot.free_at <= now,
        )
        .values(owner=owner, source=source, lease_until=until)
    )
    return taken.rowcount == 1


def release_host(tx: Transaction, host: str, owner: str, free_at: datetime) -> None:
    """Give `host`'s slot back; the next poll of the host, by any worker, starts at `free_at`."""
    tx.connection.execute(
        sa.update(host_slot)
        .where(host_slot.c.host == host, host_slot.c.owner == owner)
        .values(owner=None, source=None, lease_until=None, free_at=free_at)
    )


def renew_host(tx: Transaction, host: str, owner: str, until: datetime) -> bool:
    """Extend `owner`'s hold on `host`'s slot; False when it is no longer `owner`'s."""
    result = tx.connection.execute(
        sa.update(host_slot)
        .where(host_slot.c.host == host, host_slot.c.owner == owner)
        .values(lease_until=until)
    )
    return result.rowcount == 1


@dataclass(frozen=True, slots=True)
class HostSlotRow:
    """Who polls a polite host now, and when it may be asked again."""

    host: str
    owner: str | None
    source: str | None
    lease_until: datetime | None
    free_at: datetime


def host_slots(tx: Transaction) -> list[HostSlotRow]:
    """Every host slot, by host."""
    rows = tx.connection.execute(sa.select(host_slot).order_by(host_slot.c.host))
    return [
        HostSlotRow(row.host, row.owner, row.source, row.lease_until, row.free_at) for row in rows
    ]
