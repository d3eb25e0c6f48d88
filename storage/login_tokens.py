"""Pending email sign-ins: the hashes of a mailed link's token, of the asking browser's nonce and
of the short code; each used at most once.

`claim` marks a token used with a compare-and-set (`used_at IS NULL` in the UPDATE), so two
requests racing with one link sign in at most once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.model import LoginToken
from storage.database import Transaction
from storage.schema import login_token


def add(
    tx: Transaction,
    *,
    user_id: int,
    link_hash: str,
    pending_hash: str,
    code_hash: str,
    next_path: str,
    now: datetime,
    expires_at: datetime,
) -> int:
    """Store a new pending sign-in; its id."""
    return int(
        tx.connection.execute(
            sa.insert(login_token)
            .values(
                user_id=user_id,
                link_hash=link_hash,
                pending_hash=pending_hash,
                code_hash=code_hash,
                code_attempts=0,
                next_path=next_path,
                created_at=now,
                expires_at=expires_at,
            )
            .returning(login_token.c.id)
        ).scalar_one()
    )


def by_link(tx: Transaction, link_hash: str) -> LoginToken | None:
    """The pending sign-in whose mailed link token hashes to `link_hash`."""
    return _one(tx, login_token.c.link_hash == link_hash)


def by_pending(tx: Transaction, pending_hash: str) -> LoginToken | None:
    """The pending sign-in started by the browser whose nonce hashes to `pending_hash`."""
    return _one(tx, login_token.c.pending_hash == pending_hash)


def claim(tx: Transaction, token_id: int, now: datetime) -> bool:
    """Mark the token used; False if it already was (it signs in once)."""
    result = tx.connection.execute(
        sa.update(login_token)
        .where(login_token.c.id == token_id, login_token.c.used_at.is_(None))
        .values(used_at=now)
    )
    return int(result.rowcount) == 1


def count_wrong_code(tx: Transaction, token_id: int) -> int:
    """Count one more wrong code; the attempts so far."""
    tx.connection.execute(
        sa.update(login_token)
        .where(login_token.c.id == token_id)
        .values(code_attempts=login_token.c.code_attempts + 1)
    )
    return int(
        tx.connection.execute(
            sa.select(login_token.c.code_attempts).where(login_token.c.id == token_id)
        ).scalar_one()
    )


def count_since(tx: Transaction, user_id: int, since: datetime) -> int:
    """How many sign-ins were asked for the user since `since` (a mail-flood limit)."""
    return int(
        tx.connection.execute(
            sa.select(sa.func.count()).where(
                login_token.c.user_id == user_id, login_token.c.created_at >= since
            )
        ).scalar_one()
    )


def delete_expired(tx: Transaction, now: datetime) -> int:
    """Delete pending sign-ins past their expiry; how many."""
    result = tx.connection.execute(sa.delete(login_token).where(login_token.c.expires_at <= now))
    return int(result.rowcount)


def _one(tx: Transaction, condition: sa.ColumnElement[bool]) -> LoginToken | None:
    row = tx.connection.execute(sa.select(login_token).where(condition)).first()
    return None if row is None else token_from_row(row)


def token_from_row(row: sa.Row[Any]) -> LoginToken:
    """A `LoginToken` from a full login_token row."""
    return LoginToken(
        id=row.id,
        user_id=row.user_id,
        code_hash=row.code_hash,
        code_attempts=row.code_attempts,
        next_path=row.next_path,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )
