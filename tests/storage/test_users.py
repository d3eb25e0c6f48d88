"""Web users, sessions and pending sign-ins in storage, on SQLite and PostgreSQL; migration 0006."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from monitor.model import Role
from storage import login_tokens, users, web_sessions
from storage.database import Store
from storage.errors import StorageError
from storage.revisions import alembic_config
from tests.storage.factories import NOW

MINUTE = timedelta(minutes=1)


def add_user(store: Store, email: str = "head@calcot.example", role: Role = Role.SLT) -> int:
    with store.transaction() as tx:
        user, created = users.add_or_update(tx, email, name="Head", role=role, now=NOW)
    assert created
    return user.id


def test_a_user_is_added_then_updated_not_duplicated(store: Store) -> None:
    add_user(store)
    with store.transaction() as tx:
        user, created = users.add_or_update(
            tx, "head@calcot.example", name=None, role=Role.DSL, now=NOW
        )
    assert not created
    assert (user.email, user.name, user.role) == ("head@calcot.example", "Head", Role.DSL)
    with store.transaction(read_only=True) as tx:
        assert [found.email for found in users.list_users(tx)] == ["head@calcot.example"]


def test_an_unknown_role_is_refused_by_the_database(store: Store) -> None:
    with pytest.raises(StorageError), store.transaction() as tx:
        tx.connection.execute(
            sa.text(
                "INSERT INTO web_user (email, role, created_at) VALUES ('x@y.example', 'root', :at)"
            ),
            {"at": NOW},
        )


def test_removing_a_user_ends_their_sessions_and_pending_sign_ins(store: Store) -> None:
    user_id = add_user(store)
    other = add_user(store, "dsl@calcot.example", Role.DSL)
    with store.transaction() as tx:
        for number, owner in enumerate((user_id, user_id, other)):
            web_sessions.add(
                tx,
                user_id=owner,
                token_hash=f"h{number}",
                csrf_token="c",
                now=NOW,
                expires_at=NOW + 60 * MINUTE,
            )
        login_tokens.add(
            tx,
            user_id=user_id,
            link_hash="l",
            pending_hash="p",
            code_hash="c",
            next_path="/alerts",
            now=NOW,
            expires_at=NOW + 15 * MINUTE,
        )
    with store.transaction() as tx:
        assert users.remove(tx, "head@calcot.example") == 2
        assert users.remove(tx, "head@calcot.example") is None
    with store.transaction(read_only=True) as tx:
        assert web_sessions.find(tx, "h0") is None
        assert login_tokens.by_link(tx, "l") is None
        kept = web_sessions.find(tx, "h2")
    assert kept is not None and kept.user.email == "dsl@calcot.example"


def test_a_login_token_is_claimed_once(store: Store) -> None:
    user_id = add_user(store)
    with store.transaction() as tx:
        token_id = login_tokens.add(
            tx,
            user_id=user_id,
            link_hash="l",
            pending_hash="p",
            code_hash="c",
            next_path="/alerts/3",
            now=NOW,
            expires_at=NOW + 15 * MINUTE,
        )
    with store.transaction() as tx:
        assert login_tokens.claim(tx, token_id, NOW)
    with store.transaction() as tx:
        assert not login_tokens.claim(tx, token_id, NOW + MINUTE)
        found = login_tokens.by_pending(tx, "p")
    assert found is not None and found.used_at == NOW and found.next_path == "/alerts/3"


def test_stale_sessions_are_deleted_by_idle_time_or_absolute_end(store: Store) -> None:
    user_id = add_user(store)
    with store.transaction() as tx:
        web_sessions.add(
            tx, user_id=user_id, token_hash="idle", csrf_token="c", now=NOW, expires_at=NOW
        )
        web_sessions.add(
            tx,
            user_id=user_id,
            token_hash="fresh",
            csrf_token="c",
            now=NOW,
            expires_at=NOW + 600 * MINUTE,
        )
    with store.transaction() as tx:
        fresh = web_sessions.find(tx, "fresh")
        assert fresh is not None
        web_sessions.touch(tx, fresh.id, NOW + 30 * MINUTE)
        assert web_sessions.delete_stale(tx, seen_before=NOW + 10 * MINUTE, now=NOW) == 1
    with store.transaction(read_only=True) as tx:
        assert web_sessions.find(tx, "idle") is None
        assert web_sessions.find(tx, "fresh") is not None


def test_migration_0006_downgrades_and_upgrades_again(database_url: str) -> None:
    with Store.open(database_url) as store:
        add_user(store)
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0005")
            assert "web_user" not in sa.inspect(connection).get_table_names()
            command.upgrade(alembic_config(connection), "head")
            assert {"web_user", "web_session", "login_token"} <= set(
                sa.inspect(connection).get_table_names()
            )
    finally:
        engine.dispose()
