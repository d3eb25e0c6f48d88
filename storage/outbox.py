"""The outbox: mail waiting to be sent, written in the same transaction as what it reports.

A row is created `pending` with its Message-ID fixed, so a resend after a crash is the same
message. A dispatcher takes a row with a compare-and-set lease (`claim_next`): status `sending`,
`lease_owner`, `lease_until`. It records the outcome only while it still holds the lease:
`mark_sent` after the SMTP server accepted the message, `mark_retry` (back to `pending` with a
later `next_attempt_at`) or `mark_failed` (a permanent rejection). A row left `sending` by a
dispatcher that died is taken back once its lease has expired: at most one resend, same Message-ID.
`bring_forward` makes deferred rows (tried, put back to wait) due now: a flush by hand.

`outbox_alert` links a message to the alerts it carries; an alert is in at most one message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.model import Alert, OutboxKind, OutboxStatus
from storage.alerts import alert_from_row
from storage.database import Transaction
from storage.schema import alert, outbox, outbox_alert

# Enough to say what the server answered; a whole transcript is not.
MAX_ERROR_LENGTH = 1000


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to queue; `next_attempt_at` later than now holds it (quiet hours)."""

    kind: OutboxKind
    idempotency_key: str
    message_id: str
    recipients: tuple[str, ...]
    subject: str
    body_text: str
    body_html: str | None
    next_attempt_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A stored outbox row."""

    id: int
    kind: OutboxKind
    idempotency_key: str
    message_id: str
    recipients: tuple[str, ...]
    subject: str
    body_text: str
    body_html: str | None
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None


def add(tx: Transaction, message: NewMessage, now: datetime) -> int | None:
    """Queue `message`; its id, or None if a row with its idempotency key exists already."""
    dialect_insert = tx.dialect_insert()
    statement = (
        dialect_insert(outbox)
        .values(
            kind=str(message.kind),
            idempotency_key=message.idempotency_key,
            message_id=message.message_id,
            recipients=list(message.recipients),
            subject=message.subject,
            body_text=message.body_text,
            body_html=message.body_html,
            status=str(OutboxStatus.PENDING),
            attempts=0,
            next_attempt_at=message.next_attempt_at,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(outbox.c.id)
    )
    new_id: int | None = tx.connection.execute(statement).scalar_one_or_none()
    return new_id


def get(tx: Transaction, message_id: int) -> OutboxMessage | None:
    """The row with this id, or None."""
    row = tx.connection.execute(sa.select(outbox).where(outbox.c.id == message_id)).first()
    return None if row is None else message_from_row(row)


def unsent_by_key(tx: Transaction, idempotency_key: str) -> OutboxMessage | None:
    """The row with this key if no attempt to send it has begun, locked (PostgreSQL) till commit."""
    row = tx.connection.execute(
        sa.select(outbox)
        .where(
            outbox.c.idempotency_key == idempotency_key,
            outbox.c.status == str(OutboxStatus.PENDING),
            outbox.c.attempts == 0,
        )
        .with_for_update()
    ).first()
    return None if row is None else message_from_row(row)


def replace_contents(
    tx: Transaction, message_id: int, *, subject: str, body_text: str, body_html: str | None
) -> bool:
    """Rewrite a message nobody has tried to send yet (a held message gaining alerts)."""
    result = tx.connection.execute(
        sa.update(outbox)
        .where(
            outbox.c.id == message_id,
            outbox.c.status == str(OutboxStatus.PENDING),
            outbox.c.attempts == 0,
        )
        .values(subject=subject, body_text=body_text, body_html=body_html)
    )
    return result.rowcount == 1


def link_alerts(tx: Transaction, message_id: int, alert_ids: Sequence[int]) -> None:
    """Record that the message carries these alerts."""
    if alert_ids:
        tx.connection.execute(
            sa.insert(outbox_alert),
            [{"outbox_id": message_id, "alert_id": alert_id} for alert_id in alert_ids],
        )


def alerts_in(tx: Transaction, message_id: int) -> list[Alert]:
    """The alerts a message carries, oldest first."""
    rows = tx.connection.execute(
        sa.select(alert)
        .join(outbox_alert, outbox_alert.c.alert_id == alert.c.id)
        .where(outbox_alert.c.outbox_id == message_id)
        .order_by(alert.c.id)
    )
    return [alert_from_row(row) for row in rows]


def mailed_alert_ids(tx: Transaction, alert_ids: Sequence[int]) -> set[int]:
    """Those of `alert_ids` already put in a message."""
    if not alert_ids:
        return set()
    rows = tx.connection.execute(
        sa.select(outbox_alert.c.alert_id).where(outbox_alert.c.alert_id.in_(list(alert_ids)))
    )
    return {alert_id for (alert_id,) in rows}


def takeable(now: datetime) -> sa.ColumnElement[bool]:
    """Rows a dispatcher may take at `now`: due pending rows, sending rows whose lease expired."""
    due = sa.or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now)
    return sa.or_(
        sa.and_(outbox.c.status == str(OutboxStatus.PENDING), due),
        sa.and_(outbox.c.status == str(OutboxStatus.SENDING), outbox.c.lease_until < now),
    )


def claim_next(
    tx: Transaction, owner: str, now: datetime, lease_until: datetime
) -> OutboxMessage | None:
    """Take the oldest due row for `owner` (status sending, leased, attempts + 1), or None."""
    candidates = tx.connection.execute(
        sa.select(outbox.c.id)
        .where(takeable(now))
        .order_by(sa.func.coalesce(outbox.c.next_attempt_at, outbox.c.created_at), outbox.c.id)
        .limit(10)
    ).scalars()
    for candidate in list(candidates):
        # Compare-and-set: another dispatcher may have taken it since the SELECT.
        row = tx.connection.execute(
            sa.update(outbox)
            .where(outbox.c.id == candidate, takeable(now))
            .values(
                status=str(OutboxStatus.SENDING),
                lease_owner=owner,
                lease_until=lease_until,
                attempts=outbox.c.attempts + 1,
            )
            .returning(*outbox.c)
        ).first()
        if row is not None:
            return message_from_row(row)
    return None


def leased_by(owner: str, message_id: int) -> sa.ColumnElement[bool]:
    """The row, while `owner` still holds its sending lease."""
    return sa.and_(
        outbox.c.id == message_id,
        outbox.c.status == str(OutboxStatus.SENDING),
        outbox.c.lease_owner == owner,
    )


def mark_sent(
    tx: Transaction, message_id: int, owner: str, now: datetime, note: str | None = None
) -> bool:
    """Record that the server accepted the message; False if the lease was lost meanwhile."""
    result = tx.connection.execute(
        sa.update(outbox)
        .where(leased_by(owner, message_id))
        .values(
            status=str(OutboxStatus.SENT),
            sent_at=now,
            last_error=None if note is None else note[:MAX_ERROR_LENGTH],
            lease_owner=None,
            lease_until=None,
        )
    )
    return result.rowcount == 1


def mark_retry(
    tx: Transaction, message_id: int, owner: str, error: str, next_attempt_at: datetime
) -> bool:
    """Put the message back to pending until `next_attempt_at`, with the error seen."""
    return release(tx, message_id, owner, OutboxStatus.PENDING, error, next_attempt_at)


def mark_failed(tx: Transaction, message_id: int, owner: str, error: str) -> bool:
    """Record a permanent failure: the message will not be tried again."""
    return release(tx, message_id, owner, OutboxStatus.FAILED, error, None)


def release(
    tx: Transaction,
    message_id: int,
    owner: str,
    status: OutboxStatus,
    error: str,
    next_attempt_at: datetime | None,
) -> bool:
    """Give back `owner`'s lease on a message, leaving it in `status` with the error seen."""
    result = tx.connection.execute(
        sa.update(outbox)
        .where(leased_by(owner, message_id))
        .values(
            status=str(status),
            last_error=error[:MAX_ERROR_LENGTH],
            next_attempt_at=next_attempt_at,
            lease_owner=None,
            lease_until=None,
        )
    )
    return result.rowcount == 1


def bring_forward(tx: Transaction, now: datetime) -> int:
    """Make every deferred message (pending after a failed try) due at `now`; how many."""
    # attempts > 0: a message held for quiet hours and never tried is not deferred, it waits
    # on purpose (as `postqueue -f` leaves Postfix's hold queue alone).
    result = tx.connection.execute(
        sa.update(outbox)
        .where(
            outbox.c.status == str(OutboxStatus.PENDING),
            outbox.c.attempts > 0,
            outbox.c.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
    )
    return result.rowcount


def failed_since(tx: Transaction, since: datetime) -> list[OutboxMessage]:
    """Messages that failed for good, created at or after `since`, newest first."""
    rows = tx.connection.execute(
        sa.select(outbox)
        .where(outbox.c.status == str(OutboxStatus.FAILED), outbox.c.created_at >= since)
        .order_by(outbox.c.created_at.desc(), outbox.c.id.desc())
    )
    return [message_from_row(row) for row in rows]


def unsent(tx: Transaction) -> list[OutboxMessage]:
    """Messages not yet sent nor failed (pending or sending), oldest first."""
    rows = tx.connection.execute(
        sa.select(outbox)
        .where(outbox.c.status.in_([str(OutboxStatus.PENDING), str(OutboxStatus.SENDING)]))
        .order_by(outbox.c.id)
    )
    return [message_from_row(row) for row in rows]


def message_from_row(row: sa.Row[Any]) -> OutboxMessage:
    """An `OutboxMessage` from a full outbox row."""
    return OutboxMessage(
        id=row.id,
        kind=OutboxKind(row.kind),
        idempotency_key=row.idempotency_key,
        message_id=row.message_id,
        recipients=tuple(row.recipients),
        subject=row.subject,
        body_text=row.body_text,
        body_html=row.body_html,
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
        lease_owner=row.lease_owner,
        lease_until=row.lease_until,
    )
