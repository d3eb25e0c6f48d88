"""Signed-in browsers: one row per session, found by the SHA-256 hash of the cookie's token.

Whether a session is still valid (idle and absolute expiry) is decided in `monitor.web.sessions`;
this module only stores, finds, touches and deletes rows.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from monitor.model import WebSession
from storage.database import Transaction
from storage.schema import web_session, web_user
from storage.users import user_from_row, with_schools


def add(
    tx: Transaction,
    *,
    user_id: int,
    token_hash: str,
    csrf_token: str,
    now: datetime,
    expires_at: datetime,
) -> int:
    """Store a new session; its id."""
    return int(
        tx.connection.execute(
            sa.insert(web_session)
            .values(
                user_id=user_id,
                token_hash=token_hash,
                csrf_token=csrf_token,
                created_at=now,
                last_seen_at=now,
                expires_at=expires_at,
            )
            .returning(web_session.c.id)
        ).scalar_one()
    )


def find(tx: Transaction, token_hash: str) -> WebSession | None:
    """The session whose token hashes to `token_hash`, with its user; None if there is none."""
    row = tx.connection.execute(
        sa.select(
            web_session.c.id.label("session_id"),
            web_session.c.csrf_token,
            web_session.c.created_at.label("session_created_at"),
            web_session.c.last_seen_at,
            web_session.c.expires_at,
            *web_user.c,
        )
        .join(web_user, web_user.c.id == web_session.c.user_id)
        .where(web_session.c.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    return WebSession(
        id=row.session_id,
        user=with_schools(tx, user_from_row(row)),
        csrf_token=row.csrf_token,
        created_at=row.session_created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
    )


def touch(tx: Transaction, session_id: int, now: datetime) -> None:
    """Record activity now (the idle expiry counts from the last activity)."""
    tx.connection.execute(
        sa.update(web_session).where(web_session.c.id == session_id).values(last_seen_at=now)
    )


def delete(tx: Transaction, session_id: int) -> None:
    """End one session (sign-out, or found expired)."""
    tx.connection.execute(sa.delete(web_session).where(web_session.c.id == session_id))


def delete_stale(tx: Transaction, *, seen_before: datetime, now: datetime) -> int:
    """Delete sessions idle since before `seen_before` or past their absolute end; how many."""
    result = tx.connection.execute(
        sa.delete(web_session).where(
            sa.or_(web_session.c.last_seen_at < seen_before, web_session.c.expires_at <= now)
        )
    )
    return int(result.rowcount)
