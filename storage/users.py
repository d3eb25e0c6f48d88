"""The web page's users: who may sign in, and with which role.

An address is stored in lower case (the caller normalises it); removing a user removes their
sessions and pending sign-ins in the same transaction, so a removed user is signed out at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.model import Role, User
from storage.database import Transaction
from storage.schema import login_token, web_session, web_user


def add_or_update(
    tx: Transaction, email: str, *, name: str | None, role: Role, now: datetime
) -> tuple[User, bool]:
    """The user with `email`, added (True) or given this name and role (False)."""
    existing = get_by_email(tx, email)
    if existing is None:
        row = tx.connection.execute(
            sa.insert(web_user)
            .values(email=email, name=name, role=str(role), created_at=now)
            .returning(*web_user.c)
        ).one()
        return user_from_row(row), True
    row = tx.connection.execute(
        sa.update(web_user)
        .where(web_user.c.id == existing.id)
        .values(name=name if name is not None else existing.name, role=str(role))
        .returning(*web_user.c)
    ).one()
    return user_from_row(row), False


def get_by_email(tx: Transaction, email: str) -> User | None:
    """The user signing in with `email` (already lower case), or None."""
    row = tx.connection.execute(sa.select(web_user).where(web_user.c.email == email)).first()
    return None if row is None else user_from_row(row)


def get(tx: Transaction, user_id: int) -> User | None:
    """One user by id, or None."""
    row = tx.connection.execute(sa.select(web_user).where(web_user.c.id == user_id)).first()
    return None if row is None else user_from_row(row)


def list_users(tx: Transaction) -> list[User]:
    """Every user, by address."""
    rows = tx.connection.execute(sa.select(web_user).order_by(web_user.c.email))
    return [user_from_row(row) for row in rows]


def remove(tx: Transaction, email: str) -> int | None:
    """Remove the user and end their sessions; how many sessions ended, or None if unknown."""
    found = get_by_email(tx, email)
    if found is None:
        return None
    # Deleted here rather than left to ON DELETE CASCADE: a SQLite connection opened without
    # foreign keys on (another tool's) would otherwise leave the sessions signed in.
    ended = tx.connection.execute(
        sa.delete(web_session).where(web_session.c.user_id == found.id)
    ).rowcount
    tx.connection.execute(sa.delete(login_token).where(login_token.c.user_id == found.id))
    tx.connection.execute(sa.delete(web_user).where(web_user.c.id == found.id))
    return int(ended)


def user_from_row(row: sa.Row[Any]) -> User:
    """A `User` from a full web_user row."""
    return User(
        id=row.id,
        email=row.email,
        name=row.name,
        role=Role(row.role),
        created_at=row.created_at,
    )
