"""Reading a SQLite file with sqlite3 alone: the mentions a Transaction reads, or no reader at all.

`monitor mentions` reads through `storage.sqlite_reader` when the file exists at the code's
revision; these tests hold it to what the SQLAlchemy path returns, and to when it must step aside.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from storage import mention_reading, mentions, schools
from storage.database import Store
from storage.errors import StorageError
from storage.revisions import HEAD
from storage.sqlite_reader import open_sqlite_reader, sqlite_path
from tests.storage.factories import HOUR, NOW, make_item, make_sentiment


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A migrated SQLite file holding six mentions about two schools, of two sources."""
    database = f"sqlite:///{tmp_path / 'monitor.db'}"
    rows = [
        ("old", NOW - 5 * HOUR, ["negative"], "infants", "google"),
        ("mid", NOW - 3 * HOUR, ["praise"], "juniors", "google"),
        ("new", NOW - HOUR, ["negative", "urgent"], "infants", "google"),
        ("undated", None, ["negatives"], "juniors", "google"),
        ("wiki", NOW - 2 * HOUR, [], "infants", "wiki"),
        ("percent", NOW - 4 * HOUR, [], "juniors", "google"),
    ]
    with Store.open(database) as store, store.transaction() as tx:
        ids = {}
        for name, published, labels, _, source in rows:
            item = make_item(
                name,
                published_at=published,
                text="Only 50% came" if name == "percent" else f"Lovely {name}",
            )
            written = mentions.add_or_update(
                tx, source=source, source_type="google_places", item=item,
                sentiment=make_sentiment(), labels=labels, now=NOW, baseline=False,
            )  # fmt: skip
            ids[name] = written.mention_id
        schools.set_schools(tx, {ids[name]: [school] for name, _, _, school, _ in rows})
    return database


FILTERS: list[dict[str, Any]] = [
    {},
    {"limit": 2},
    {"source": "wiki"},
    {"since": NOW - 3 * HOUR},
    {"label": "negative"},
    {"label": "negative", "since": NOW - 2 * HOUR},
    {"search": "50%"},
    {"search": "LOVELY", "limit": 3},
    {"school": "juniors"},
    {"school": ("infants", "juniors"), "source": "google", "limit": 4},
]
EXPECTED = [
    ["undated", "new", "wiki", "mid", "percent", "old"],
    ["undated", "new"],
    ["wiki"],
    ["undated", "new", "wiki", "mid"],
    ["new", "old"],
    ["new"],
    ["percent"],
    ["undated", "new", "wiki"],
    ["undated", "mid", "percent"],
    ["undated", "new", "mid", "percent"],
]


@pytest.mark.parametrize(("filters", "expected"), list(zip(FILTERS, EXPECTED, strict=True)))
def test_the_sqlite3_reader_lists_what_a_transaction_lists(
    url: str, filters: dict[str, Any], expected: list[str]
) -> None:
    """Whole mentions (times, JSON, sentiment, schools) equal to the SQLAlchemy path's."""
    with Store.open(url) as store, store.transaction(read_only=True) as tx:
        through_sqlalchemy = mention_reading.list_mentions(tx, **filters)
        counted = mention_reading.count_by_source(tx, filters.get("school"))
    reader = open_sqlite_reader(url)
    assert reader is not None
    with reader:
        through_sqlite3 = mention_reading.list_mentions(reader, **filters)
        assert mention_reading.count_by_source(reader, filters.get("school")) == counted
    assert [found.external_id for found in through_sqlite3] == expected
    assert through_sqlite3 == through_sqlalchemy
    first = through_sqlite3[0]
    assert first.first_seen_at == NOW and first.first_seen_at.utcoffset() is not None
    assert first.sentiment == make_sentiment() and first.schools


def test_the_listing_reads_the_newest_from_the_index(url: str) -> None:
    """The order is the index's expression: SQLite walks ix_mention_newest, sorts nothing."""
    reader = open_sqlite_reader(url)
    assert reader is not None
    sql, parameters = mention_reading.listing_query("sqlite", limit=50)
    with reader:
        steps = reader.rows(f"EXPLAIN QUERY PLAN {sql}", parameters)
    plan = " | ".join(step["detail"] for step in steps)
    assert "ix_mention_newest" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_the_reader_cannot_write(url: str) -> None:
    """query_only: a write is refused as a StorageError, and nothing changes."""
    reader = open_sqlite_reader(url)
    assert reader is not None
    with reader, pytest.raises(StorageError, match=r"readonly|read-only|query_only"):
        reader.rows("DELETE FROM mention")
    with sqlite3.connect(sqlite_path(url) or "") as connection:
        assert connection.execute("SELECT count(*) FROM mention").fetchone() == (6,)


def test_no_reader_where_a_store_must_open_the_database(url: str, tmp_path: Path) -> None:
    """No file yet, an older schema, a URL with options or PostgreSQL: the caller opens a Store."""
    assert open_sqlite_reader(f"sqlite:///{tmp_path / 'missing.db'}") is None
    assert not (tmp_path / "missing.db").exists()  # looking creates nothing
    assert open_sqlite_reader(url + "?timeout=5") is None
    assert open_sqlite_reader("postgresql+psycopg://postgres@127.0.0.1/test") is None
    path = sqlite_path(url)
    assert path is not None
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    assert open_sqlite_reader(url) is None
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (HEAD,))
    assert open_sqlite_reader(url) is not None


def test_sqlite_path_reads_the_url_as_sqlalchemy_does(tmp_path: Path) -> None:
    """Three slashes then the path (a fourth for an absolute one); percent-escapes decoded."""
    assert sqlite_path("sqlite:///monitor.db") == Path("monitor.db")
    assert sqlite_path(f"sqlite:///{tmp_path}/a%20b.db") == tmp_path / "a b.db"
    assert sqlite_path(f"sqlite+pysqlite:///{tmp_path}/m.db") == tmp_path / "m.db"
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("sqlite:///:memory:") is None
