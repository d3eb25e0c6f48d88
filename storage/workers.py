"""The daemons at work on this database: each says it is alive every few seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from storage.database import Transaction
from storage.schema import worker


@dataclass(frozen=True, slots=True)
class WorkerRow:
    """One daemon: where it runs, since when, when it was last seen, polls it has finished."""

    id: str
    host: str
    pid: int
    started_at: datetime
    seen_at: datetime
    polls: int


def beat(
    tx: Transaction,
    worker_id: str,
    host: str,
    pid: int,
    started_at: datetime,
    now: datetime,
    polls: int,
) -> None:
    """Record that the worker is alive at `now`, having finished `polls` polls."""
    dialect_insert = tx.dialect_insert()
    statement = dialect_insert(worker).values(
        id=worker_id, host=host, pid=pid, started_at=started_at, seen_at=now, polls=polls
    )
    tx.connection.execute(
        statement.on_conflict_do_update(
            index_elements=["id"], set_={"seen_at": now, "polls": polls}
        )
    )


def live(tx: Transaction, since: datetime) -> list[WorkerRow]:
    """Workers seen at or after `since`, oldest first."""
    rows = tx.connection.execute(
        sa.select(worker).where(worker.c.seen_at >= since).order_by(worker.c.started_at)
    )
    return [
        WorkerRow(row.id, row.host, row.pid, row.started_at, row.seen_at, row.polls) for row in rows
    ]


def leave(tx: Transaction, worker_id: str, before: datetime) -> None:
    """Forget the worker (a clean stop), and any not seen since `before`."""
    tx.connection.execute(
        sa.delete(worker).where(sa.or_(worker.c.id == worker_id, worker.c.seen_at < before))
    )
