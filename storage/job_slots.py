"""Exactly-one jobs: the digest, purge and health check run once per slot across every worker.

A slot is a `(job, period)` row: the worker whose insert lands runs the job, and marks it
finished. A runner that dies leaves a lease that expires, so another worker runs the slot then.
Rows, not session advisory locks: those belong to one connection, which PgBouncer in
transaction mode hands to whoever asks next.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from storage.database import Transaction
from storage.schema import job_slot

KEEP = timedelta(days=30)  # finished slots older than this are deleted as new ones finish


def take(
    tx: Transaction, job: str, period: datetime, owner: str, until: datetime, now: datetime
) -> bool:
    """True when `owner` may run `job` for `period`: the first to ask, or after a dead runner."""
    dialect_insert = tx.dialect_insert()
    inserted = tx.connection.execute(
        dialect_insert(job_slot)
        .values(job=job, period=period, owner=owner, lease_until=until)
        .on_conflict_do_nothing(index_elements=["job", "period"])
        .returning(job_slot.c.job)
    ).first()
    if inserted is not None:
        return True
    slot = job_slot.c
    taken = tx.connection.execute(
        sa.update(job_slot)
        .where(
            slot.job == job,
            slot.period == period,
            slot.finished_at.is_(None),
            slot.lease_until < now,
        )
        .values(owner=owner, lease_until=until)
    )
    return taken.rowcount == 1


def finish(tx: Transaction, job: str, period: datetime, owner: str, now: datetime) -> bool:
    """Mark `owner`'s run of the slot finished (and forget old slots); False if not `owner`'s."""
    slot = job_slot.c
    result = tx.connection.execute(
        sa.update(job_slot)
        .where(slot.job == job, slot.period == period, slot.owner == owner)
        .values(finished_at=now)
    )
    tx.connection.execute(
        sa.delete(job_slot).where(
            slot.job == job, slot.period < now - KEEP, slot.finished_at.is_not(None)
        )
    )
    return result.rowcount == 1


def release(tx: Transaction, job: str, period: datetime, owner: str) -> None:
    """Give up an unfinished slot (its job failed), so another worker may run it at once."""
    slot = job_slot.c
    tx.connection.execute(
        sa.delete(job_slot).where(
            slot.job == job,
            slot.period == period,
            slot.owner == owner,
            slot.finished_at.is_(None),
        )
    )
