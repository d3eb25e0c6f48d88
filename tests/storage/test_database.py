"""The Store: migrations, SQLite settings, transactions, and errors that keep passwords out."""

from __future__ import annotations

import socket
import sqlite3
import warnings
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage import mention_reading, mentions, scan_runs, schema
from storage.database import Store, upgrade
from storage.errors import StorageError
from storage.revisions import HEAD, alembic_config, head_revision
from tests.storage.factories import NOW, make_item

TABLES = {
    "mention_school",
    "source_state",
    "host_slot",
    "job_slot",
    "worker",
    "rating_snapshot",
    "mention",
    "mention_version",
    "alert",
    "alert_event",
    "outbox",
    "outbox_alert",
    "digest",
    "scan_run",
    "web_user",
    "web_session",
    "login_token",
    "web_user_school",
}


def test_open_migrates_a_new_database_to_head(store: Store) -> None:
    with store.transaction(read_only=True) as tx:
        tables = set(sa.inspect(tx.connection).get_table_names())
    assert tables == TABLES | {"alembic_version"}
    assert store.revision() == head_revision() == "0013"


def test_upgrade_is_idempotent_and_keeps_data(database_url: str) -> None:
    assert upgrade(database_url) == "0013"
    with Store.open(database_url) as store, store.transaction() as tx:
        run_id = scan_runs.start(tx, trigger="manual", now=NOW)
    assert upgrade(database_url) == "0013"
    with Store.open(database_url) as store, store.transaction() as tx:
        assert [run.id for run in scan_runs.latest(tx)] == [run_id]


def test_the_head_constant_is_the_migrations_head() -> None:
    """Opening a database compares its revision with HEAD; a new migration must move HEAD."""
    assert HEAD == head_revision(), "set storage.revisions.HEAD to the newest migration"


def test_open_upgrades_a_database_behind_head(database_url: str) -> None:
    from alembic import command

    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0004")
    engine.dispose()
    with Store.open(database_url) as store:
        assert store.revision() == HEAD
        with store.transaction(read_only=True) as tx:
            columns = sa.inspect(tx.connection).get_columns("mention")
        assert "visibility" in {column["name"] for column in columns}  # 0005 ran


def test_a_revision_the_code_does_not_know_is_a_storage_error(database_url: str) -> None:
    """A database migrated by newer code: Alembic's refusal becomes one StorageError line."""
    Store.open(database_url).close()
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StorageError, match=r"^cannot migrate .*9999"):
        Store.open(database_url)


def test_migrations_create_exactly_the_schema_the_code_uses(store: Store) -> None:
    with store.transaction(read_only=True) as tx, warnings.catch_warnings():
        # SQLite's reflection cannot read an index on an expression (PostgreSQL's compares it);
        # the next test checks SQLite's by its query plan.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        context = MigrationContext.configure(tx.connection, opts={"compare_type": True})
        differences = compare_metadata(context, schema.metadata)
    assert differences == []


def test_newest_first_listing_reads_an_index_instead_of_sorting_every_mention(
    sqlite_url: str,
) -> None:
    """`monitor mentions` on 100,000 rows sorted them all (0.3 s) to show the newest 50."""
    newest = (
        sa.select(schema.mention.c.id)
        .order_by(schema.mention_when.desc(), schema.mention.c.id.desc())
        .limit(50)
    )
    with Store.open(sqlite_url) as store, store.transaction(read_only=True) as tx:
        sql = str(newest.compile(tx.connection, compile_kwargs={"literal_binds": True}))
        plan = [row[-1] for row in tx.connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    assert plan == ["SCAN mention USING INDEX ix_mention_newest"]


def test_sqlite_connections_use_wal_full_sync_busy_timeout_and_foreign_keys(
    sqlite_url: str,
) -> None:
    with Store.open(sqlite_url) as store, store.transaction() as tx:
        pragmas = {
            name: tx.connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
        }
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,
        "busy_timeout": 30000,
        "foreign_keys": 1,
    }


def test_sqlite_write_transaction_takes_the_write_lock_at_begin(tmp_path: Path) -> None:
    path = tmp_path / "monitor.db"
    with Store.open(f"sqlite:///{path}") as store:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with store.transaction():
                # Nothing written yet, but BEGIN IMMEDIATE already holds the lock.
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            with store.transaction(read_only=True):
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
        finally:
            other.close()


def test_sqlite_foreign_keys_are_enforced(sqlite_url: str) -> None:
    with Store.open(sqlite_url) as store:
        with pytest.raises(StorageError, match="FOREIGN KEY") as caught, store.transaction() as tx:
            tx.connection.execute(
                sa.insert(schema.mention_version).values(
                    mention_id=999, version=1, text="x", content_hash="h", replaced_at=NOW
                )
            )
    # One line, with neither the SQL nor its parameters.
    assert "INSERT" not in str(caught.value) and "999" not in str(caught.value)


def test_a_transaction_that_raises_leaves_nothing_behind(store: Store) -> None:
    with pytest.raises(RuntimeError, match="boom"), store.transaction() as tx:
        scan_runs.start(tx, trigger="manual", now=NOW)
        mentions.add_or_update(
            tx,
            source="google",
            source_type="google_places",
            item=make_item(),
            sentiment=None,
            labels=[],
            now=NOW,
            baseline=False,
        )
        raise RuntimeError("boom")
    with store.transaction(read_only=True) as tx:
        assert scan_runs.latest(tx) == []
        assert mention_reading.list_mentions(tx) == []


def test_sqlite_file_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "var" / "lib" / "monitor" / "monitor.db"
    with Store.open(f"sqlite:///{path}"):
        pass
    assert path.is_file()


def test_unreachable_database_error_names_it_without_the_password() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port is closed again, so the connection is refused at once.
    url = f"postgresql+psycopg://monitor:hunter2-secret@127.0.0.1:{port}/monitor"
    with pytest.raises(StorageError) as caught:
        Store.open(url)
    message = str(caught.value)
    assert "hunter2" not in message
    assert f"postgresql+psycopg://monitor:***@127.0.0.1:{port}/monitor" in message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_display_url_and_repr_hide_the_password(postgres_url: str) -> None:
    # The test server trusts local connections, so any password is accepted.
    url = sa.make_url(postgres_url).set(password="hunter2-secret")
    with Store.open(url.render_as_string(hide_password=False)) as store:
        assert "hunter2" not in store.url_for_display
        assert "***" in store.url_for_display
        assert "hunter2" not in repr(store)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url, and pass=hunter2-secret", "not a database URL"),
        ("mysql://monitor:hunter2-secret@db.example/monitor", "unsupported database 'mysql'"),
        (
            "postgresql+psycopg2://monitor:hunter2-secret@db.example/monitor",
            r"unsupported database 'postgresql\+psycopg2'.*postgresql\+psycopg://",
        ),
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
    ],
)
def test_unusable_urls_are_refused_plainly(url: str, expected: str) -> None:
    with pytest.raises(StorageError, match=expected) as caught:
        Store.open(url)
    assert "hunter2" not in str(caught.value)


def test_postgres_read_only_transaction_refuses_writes(postgres_url: str) -> None:
    with Store.open(postgres_url) as store:
        with pytest.raises(StorageError, match="read-only"):
            with store.transaction(read_only=True) as tx:
                scan_runs.start(tx, trigger="manual", now=NOW)


def test_migration_0002_rehashes_old_rows_so_they_are_not_taken_for_edits(
    database_url: str,
) -> None:
    """A mention stored under 0001's hash is unchanged (not an edit) once 0002 has run."""
    from datetime import UTC, datetime

    from alembic import command

    from monitor.model import Item
    from storage.revisions import alembic_config

    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        config = alembic_config(connection)
        command.upgrade(config, "0001")
        item = Item(
            "e1",
            "entry",
            "Lovely fair",
            title="Fair",
            author="Ann",
            published_at=datetime(2026, 5, 1, 9, tzinfo=UTC),
            extra={"k": [1, 2]},
        )
        connection.execute(
            sa.insert(schema.mention).values(
                source="news",
                source_type="feed",
                external_id="e1",
                item_type="entry",
                text=item.text,
                title=item.title,
                author=item.author,
                published_at=item.published_at,
                first_seen_at=item.published_at,
                updated_at=item.published_at,
                content_hash="old-formula",
                version=1,
                labels=[],
                extra=dict(item.extra),
                baseline=False,
            )
        )
        command.upgrade(config, "head")
    engine.dispose()
    with Store.open(database_url) as store, store.transaction(read_only=True) as tx:
        assert mentions.existing_hashes(tx, "news", ["e1"]) == {"e1": mentions.content_hash(item)}


def test_migration_0005_moves_facebook_is_hidden_into_visibility_keeping_versions(
    database_url: str,
) -> None:
    """Facebook rows stored with extra.is_hidden are not taken for edits once 0005 has run."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from alembic import command

    from monitor.model import Item, Visibility
    from storage.revisions import alembic_config

    published = datetime(2026, 11, 19, 7, 32, tzinfo=UTC)
    extra = {"post_id": "1_2", "by_page": False, "author_key": "ab12", "can_hide": True}
    hidden = Item("2_3", "comment", "Rude words", published_at=published, extra=extra)
    shown = replace(hidden, external_id="2_4", text="Kind words")
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        config = alembic_config(connection)
        command.upgrade(config, "0004")
        rows = [
            ("facebook", "facebook_page", hidden, {**extra, "is_hidden": True}),
            ("facebook", "facebook_page", shown, {**extra, "is_hidden": False}),
            # Another source's key of the same name is its own business: left alone.
            ("news", "feed", replace(hidden, item_type="entry"), {"is_hidden": True}),
        ]
        for source, source_type, item, stored_extra in rows:
            connection.execute(
                sa.insert(schema.mention).values(
                    source=source,
                    source_type=source_type,
                    external_id=item.external_id,
                    item_type=item.item_type,
                    text=item.text,
                    published_at=published,
                    first_seen_at=published,
                    updated_at=published,
                    content_hash="0002-formula",
                    version=2,
                    labels=[],
                    extra=stored_extra,
                    baseline=False,
                )
            )
        mention_id = connection.execute(
            sa.select(schema.mention.c.id).where(
                schema.mention.c.source == "facebook", schema.mention.c.external_id == "2_3"
            )
        ).scalar_one()
        connection.execute(
            sa.insert(schema.mention_version).values(
                mention_id=mention_id,
                version=1,
                text="Earlier words",
                content_hash="x",
                replaced_at=published,
            )
        )
        command.upgrade(config, "head")
    engine.dispose()
    with Store.open(database_url) as store, store.transaction(read_only=True) as tx:
        found = mentions.find(tx, "facebook", ["2_3", "2_4"])
        hashes = mentions.existing_hashes(tx, "facebook", ["2_3", "2_4"])
        [entry] = mentions.find(tx, "news", ["2_3"]).values()
        earlier = mentions.versions(tx, mention_id)
    assert found["2_3"].visibility == Visibility.HIDDEN and found["2_3"].extra == extra
    assert found["2_4"].visibility == Visibility.VISIBLE and found["2_4"].extra == extra
    # What the next poll builds of the same comments hashes the same: no spurious edit.
    assert hashes == {
        "2_3": mentions.content_hash(replace(hidden, visibility=Visibility.HIDDEN)),
        "2_4": mentions.content_hash(shown),
    }
    assert entry.extra == {"is_hidden": True} and entry.visibility == Visibility.VISIBLE
    assert [old.text for old in earlier] == ["Earlier words"]  # the column came without a rebuild


def test_migration_0007_allows_report_mentions_keeping_every_row(database_url: str) -> None:
    """'report' joins the item types; no mention, version or alert link is lost on the way."""
    from datetime import UTC, datetime

    from alembic import command

    from storage.revisions import alembic_config

    published = datetime(2026, 2, 3, tzinfo=UTC)

    def mention_row(external_id: str, item_type: str) -> dict[str, object]:
        return {
            "source": "ofsted",
            "source_type": "ofsted",
            "external_id": external_id,
            "item_type": item_type,
            "text": "Report card",
            "first_seen_at": published,
            "updated_at": published,
            "content_hash": "x",
            "version": 2,
            "labels": [],
            "extra": {},
            "baseline": False,
        }

    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0005")
        with pytest.raises(sa.exc.IntegrityError):
            with connection.begin_nested():
                connection.execute(sa.insert(schema.mention).values(mention_row("r0", "report")))
        connection.execute(sa.insert(schema.mention).values(mention_row("e1", "entry")))
        mention_id = connection.execute(sa.select(schema.mention.c.id)).scalar_one()
        connection.execute(
            sa.insert(schema.mention_version).values(
                mention_id=mention_id,
                version=1,
                text="Earlier",
                content_hash="y",
                replaced_at=published,
            )
        )
    engine.dispose()
    # Upgraded by the Store itself: on SQLite with foreign keys on, as in production.
    with Store.open(database_url) as store, store.transaction() as tx:
        tx.connection.execute(sa.insert(schema.mention).values(mention_row("r1", "report")))
        with pytest.raises(sa.exc.IntegrityError):
            with tx.connection.begin_nested():
                tx.connection.execute(sa.insert(schema.mention).values(mention_row("x", "essay")))
        earlier = mentions.versions(tx, mention_id)
    assert [old.text for old in earlier] == ["Earlier"]
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0005")
        kinds = connection.execute(sa.select(schema.mention.c.item_type)).scalars().all()
        with pytest.raises(sa.exc.IntegrityError):
            with connection.begin_nested():
                connection.execute(sa.insert(schema.mention).values(mention_row("r2", "report")))
    engine.dispose()
    assert kinds == ["entry"]


def test_migration_0010_attributes_every_stored_mention_to_the_single_school(
    database_url: str,
) -> None:
    """A database from before schools keeps its mentions, each about the one [school]."""
    from datetime import UTC, datetime

    from alembic import command

    from storage import schools
    from storage.revisions import alembic_config

    published = datetime(2026, 11, 19, 7, 32, tzinfo=UTC)
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        config = alembic_config(connection)
        command.upgrade(config, "0009")
        for external_id in ("r1", "r2"):
            connection.execute(
                sa.insert(schema.mention).values(
                    source="google",
                    source_type="google_places",
                    external_id=external_id,
                    item_type="review",
                    text="Lovely school",
                    first_seen_at=published,
                    updated_at=published,
                    content_hash="h",
                    version=1,
                    labels=[],
                    extra={},
                    baseline=False,
                )
            )
        command.upgrade(config, "head")
    engine.dispose()
    with Store.open(database_url) as store, store.transaction(read_only=True) as tx:
        listed = mention_reading.list_mentions(tx, school="school")
        other = mention_reading.list_mentions(tx, school="juniors")
        by_source = schools.of_external_ids(tx, "google", ["r1", "r2"])
    assert sorted(mention.external_id for mention in listed) == ["r1", "r2"]
    assert [mention.schools for mention in listed] == [("school",), ("school",)]
    assert other == []
    assert by_source == {"r1": ("school",), "r2": ("school",)}


def test_migration_0013_adds_user_schools_and_goes_down_again(database_url: str) -> None:
    """A user from before 0013 sees every school; down drops the limits and keeps the user."""
    from datetime import UTC, datetime

    from alembic import command

    from monitor.model import Role
    from storage import users

    added = datetime(2026, 11, 19, 7, 32, tzinfo=UTC)
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        config = alembic_config(connection)
        command.upgrade(config, "0012")
        connection.execute(
            sa.insert(schema.web_user).values(
                email="head@calcot.example", name=None, role="slt", created_at=added
            )
        )
        command.upgrade(config, "0013")
    with Store.open(database_url) as store:
        with store.transaction() as tx:
            [before] = users.list_users(tx)
            users.add_or_update(
                tx, "head@calcot.example", name=None, role=Role.SLT, now=added, schools=["juniors"]
            )
        with store.transaction(read_only=True) as tx:
            [after] = users.list_users(tx)
    assert before.schools == ()
    assert after.schools == ("juniors",)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0012")
        assert not sa.inspect(connection).has_table("web_user_school")
        emails = connection.execute(sa.select(schema.web_user.c.email)).scalars().all()
        assert emails == ["head@calcot.example"]
        command.upgrade(alembic_config(connection), "head")
        assert sa.inspect(connection).has_table("web_user_school")
    engine.dispose()
