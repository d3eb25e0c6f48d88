"""The web page's users: who may sign in, with which role, limited to which schools.

An address is stored in lower case (the caller normalises it); removing a user removes their
sessions and pending sign-ins in the same transaction, so a removed user is signed out at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.model import Role, User
from storage.database import Transaction
from storage.schema import login_token, web_session, web_user, web_user_school


def add_or_update(
    tx: Transaction,
    email: str,
    *,
    name: str | None,
    role: Role,
    now: datetime,
    schools: Sequence[str] = (),
) -> tuple[User, bool]:
    """The user with `email`, added (True) or given this name, role and schools (False).

    `schools`: the school ids they are limited to; none: every school.
    """
    existing = get_by_email(tx, email)
    if existing is None:
        row = tx.connection.execute(
            sa.insert(web_user)
            .values(email=email, name=name, role=str(role), created_at=now)
            .returning(*web_user.c)
        ).one()
        created = True
    else:
        row = tx.connection.execute(
            sa.update(web_user)
            .where(web_user.c.id == existing.id)
            .values(name=name if name is not None else existing.name, role=str(role))
            .returning(*web_user.c)
        ).one()
        created = False
    set_schools(tx, row.id, schools)
    return with_schools(tx, user_from_row(row)), created


def set_schools(tx: Transaction, user_id: int, schools: Sequence[str]) -> None:
    """Limit the user to exactly these school ids (none: every school)."""
    tx.connection.execute(sa.delete(web_user_school).where(web_user_school.c.user_id == user_id))
    rows = [{"user_id": user_id, "school": school} for school in dict.fromkeys(schools)]
    if rows:
        tx.connection.execute(sa.insert(web_user_school), rows)


def with_schools(tx: Transaction, user: User) -> User:
    """`user` with the schools they are limited to filled in."""
    found = tx.connection.execute(
        sa.select(web_user_school.c.school)
        .where(web_user_school.c.user_id == user.id)
        .order_by(web_user_school.c.school)
    ).scalars()
    return replace(user, schools=tuple(found))


def get_by_email(tx: Transaction, email: str) -> User | None:
    """The user signing in with `email` (already lower case), or None."""
    row = tx.connection.execute(sa.select(web_user).where(web_user.c.email == email)).first()
    return None if row is None else with_schools(tx, user_from_row(row))


def get(tx: Transaction, user_id: int) -> User | None:
    """One user by id, or None."""
    row = tx.connection.execute(sa.select(web_user).where(web_user.c.id == user_id)).first()
    return None if row is None else with_schools(tx, user_from_row(row))


def list_users(tx: Transaction) -> list[User]:
    """Every user, by address."""
    rows = tx.connection.execute(sa.select(web_user).order_by(web_user.c.email))
    return [with_schools(tx, user_from_row(row)) for row in rows]


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
    tx.connection.execute(sa.delete(web_user_school).where(web_user_school.c.user_id == found.id))
    tx.connection.execute(sa.delete(web_user).where(web_user.c.id == found.id))
    return int(ended)


def user_from_row(row: sa.Row[Any]) -> User:
    """A `User` from a full web_user row (without its schools: `with_schools` adds them)."""
    return User(
        id=row.id,
        email=row.email,
        name=row.name,
        role=Role(row.role),
        created_at=row.created_at,
    )
