"""add_or_update_many: a batch of writes behaves as add_or_update on each, in a few statements."""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import sqlalchemy as sa

from monitor.model import Item, Mention
from storage import mention_reading, mentions, schema
from storage.database import Store
from storage.mention_rows import ID_BATCH, ROW_BATCH
from storage.mentions import MentionWrite, WriteOutcome
from tests.storage.factories import HOUR, NOW, make_item, make_sentiment
from tests.storage.test_concurrency import run_in_threads, wait_for_lock_waiter


def write(item: Item, *, baseline: bool = False, labels: Sequence[str] = ()) -> MentionWrite:
    """A write of `item` with a fixed sentiment."""
    return MentionWrite(item, make_sentiment(), labels, baseline)


def store_batch(
    store: Store,
    writes: Sequence[MentionWrite],
    *,
    now: datetime = NOW,
    source: str = "google",
) -> list[WriteOutcome]:
    """Write the batch in one transaction of its own."""
    with store.transaction() as tx:
        return mentions.add_or_update_many(
            tx, source=source, source_type="google_places", writes=writes, now=now
        )


def stored(store: Store, source: str = "google") -> dict[str, Mention]:
    """external_id -> stored mention, for one source."""
    with store.transaction(read_only=True) as tx:
        listed = mention_reading.list_mentions(tx, source=source)
    return {found.external_id: found for found in listed}


def statuses(outcomes: Sequence[WriteOutcome]) -> list[str]:
    return [outcome.status for outcome in outcomes]


def test_a_mixed_batch_reports_new_unchanged_and_updated_in_write_order(store: Store) -> None:
    kept, edited = make_item("kept"), make_item("edited", rating=5.0)
    earlier = store_batch(store, [write(kept, baseline=True), write(edited, baseline=True)])
    store_batch(store, [write(make_item("fresh"))], source="other")  # same id, other source
    later = NOW + HOUR
    changed = replace(edited, text="Now I am cross.", rating=1.0, retain_text_days=7)
    outcomes = store_batch(
        store,
        [
            write(make_item("fresh", retain_text_days=30), labels=["praise"]),
            write(changed, labels=["negative"]),
            write(kept, labels=["ignored"]),
            write(make_item("undated", published_at=None, retain_text_days=2), baseline=True),
        ],
        now=later,
    )
    rows = stored(store)
    assert outcomes == [
        WriteOutcome(rows["fresh"].id, "new"),
        WriteOutcome(earlier[1].mention_id, "updated"),
        WriteOutcome(earlier[0].mention_id, "unchanged"),
        WriteOutcome(rows["undated"].id, "new"),
    ]
    assert (rows["kept"].version, rows["kept"].updated_at, rows["kept"].labels) == (1, NOW, ())
    assert (rows["kept"].baseline, rows["edited"].baseline, rows["undated"].baseline) == (
        True,
        False,  # an edit seen live is news
        True,
    )
    assert (rows["edited"].text, rows["edited"].rating, rows["edited"].version) == (
        changed.text,
        1.0,
        2,
    )
    assert (rows["edited"].first_seen_at, rows["edited"].updated_at) == (NOW, later)
    assert rows["edited"].labels == ("negative",)
    assert (rows["fresh"].first_seen_at, rows["fresh"].version, rows["fresh"].labels) == (
        later,
        1,
        ("praise",),
    )
    with store.transaction(read_only=True) as tx:
        history = mentions.versions(tx, rows["edited"].id)
        hashes = dict(
            tx.connection.execute(
                sa.select(schema.mention.c.external_id, schema.mention.c.content_hash).where(
                    schema.mention.c.source == "google"
                )
            ).all()
        )
    assert [(old.version, old.text, old.rating, old.replaced_at) for old in history] == [
        (1, edited.text, 5.0, later)
    ]
    assert hashes["edited"] == mentions.content_hash(changed)
    assert hashes["fresh"] == mentions.content_hash(make_item("fresh"))
    assert text_expiries(store) == {
        "kept": None,
        "edited": NOW - 24 * HOUR + timedelta(days=7),
        "fresh": NOW - 24 * HOUR + timedelta(days=30),
        "undated": later + timedelta(days=2),
    }
    assert set(stored(store, "other")) == {"fresh"}


def text_expiries(store: Store) -> dict[str, datetime | None]:
    with store.transaction(read_only=True) as tx:
        rows = tx.connection.execute(
            sa.select(schema.mention.c.external_id, schema.mention.c.text_expires_at).where(
                schema.mention.c.source == "google"
            )
        )
        return {external_id: expiry for external_id, expiry in rows}


def test_an_empty_batch_writes_nothing(store: Store) -> None:
    assert store_batch(store, []) == []
    assert stored(store) == {}


def test_a_repeated_id_is_written_once_from_its_last_write(store: Store) -> None:
    first, last = make_item("dup", text="first copy"), make_item("dup", text="last copy")
    outcomes = store_batch(store, [write(first), write(make_item("other")), write(last)])
    rows = stored(store)
    dup_id = rows["dup"].id
    assert outcomes == [
        WriteOutcome(dup_id, "unchanged"),
        WriteOutcome(rows["other"].id, "new"),
        WriteOutcome(dup_id, "new"),
    ]
    assert (rows["dup"].text, rows["dup"].version) == ("last copy", 1)

    again = store_batch(
        store, [write(make_item("dup", text="edit 1")), write(first)], now=NOW + HOUR
    )
    assert again == [WriteOutcome(dup_id, "unchanged"), WriteOutcome(dup_id, "updated")]
    assert (stored(store)["dup"].text, stored(store)["dup"].version) == ("first copy", 2)
    with store.transaction(read_only=True) as tx:
        assert [old.text for old in mentions.versions(tx, dup_id)] == ["last copy"]


def test_a_batch_larger_than_one_select_or_insert(store: Store) -> None:
    count = max(ID_BATCH, ROW_BATCH) + 200
    items = [make_item(f"item-{number:05d}") for number in range(count)]
    first = store_batch(store, [write(item) for item in reversed(items)])
    assert statuses(first) == ["new"] * count
    rows = stored(store)
    assert len(rows) == count
    # Each outcome names the row of its own item, whatever order the batch was inserted in.
    assert [outcome.mention_id for outcome in first] == [
        rows[item.external_id].id for item in reversed(items)
    ]

    edited = {number for number in range(0, count, 7)}
    second = [
        write(replace(item, text="edited") if number in edited else item)
        for number, item in enumerate(items)
    ]
    outcomes = store_batch(store, second, now=NOW + HOUR)
    assert statuses(outcomes) == [
        "updated" if number in edited else "unchanged" for number in range(count)
    ]
    assert [outcome.mention_id for outcome in outcomes] == [
        rows[item.external_id].id for item in items
    ]
    versions = {found.external_id: found.version for found in stored(store).values()}
    assert versions == {
        item.external_id: 2 if number in edited else 1 for number, item in enumerate(items)
    }


def test_add_or_update_stores_what_a_batch_of_one_would(store: Store) -> None:
    item = make_item("single", retain_text_days=3)
    with store.transaction() as tx:
        single = mentions.add_or_update(
            tx,
            source="one",
            source_type="google_places",
            item=item,
            sentiment=make_sentiment(),
            labels=["praise"],
            now=NOW,
            baseline=True,
        )
    [batched] = store_batch(store, [write(item, baseline=True, labels=["praise"])], source="many")
    assert (single.status, batched.status) == ("new", "new")
    [one], [many] = stored(store, "one").values(), stored(store, "many").values()
    assert replace(one, id=0, source="") == replace(many, id=0, source="")


CONCURRENT_ITEMS = ID_BATCH + 100


def test_concurrent_batches_of_the_same_items_never_duplicate(database_url: str) -> None:
    items = [make_item(f"c{number:04d}") for number in range(CONCURRENT_ITEMS)]
    # Half the second writer's copies differ, and it lists them in the opposite order.
    theirs = [
        replace(item, text="their copy") if number % 2 else item
        for number, item in enumerate(items)
    ]
    with Store.open(database_url) as first, Store.open(database_url) as second:
        mine, other = run_in_threads(
            lambda: outcome_by_id(store_batch(first, [write(item) for item in items]), items),
            lambda: outcome_by_id(
                store_batch(second, [write(item) for item in reversed(theirs)]),
                list(reversed(theirs)),
            ),
        )
        rows = stored(first)
    assert len(rows) == CONCURRENT_ITEMS
    for number, item in enumerate(items):
        (my_status, my_id), (their_status, their_id) = (
            mine[item.external_id],
            other[item.external_id],
        )
        assert my_id == their_id == rows[item.external_id].id
        second_status = "updated" if number % 2 else "unchanged"
        assert sorted([my_status, their_status]) == sorted(["new", second_status]), item
        # The writer that came second left its own copy, one version on.
        last_text = item.text if their_status == "new" else theirs[number].text
        assert (rows[item.external_id].text, rows[item.external_id].version) == (
            last_text,
            2 if number % 2 else 1,
        )


def outcome_by_id(
    outcomes: Sequence[WriteOutcome], items: Sequence[Item]
) -> dict[str, tuple[str, int]]:
    return {
        item.external_id: (outcome.status, outcome.mention_id)
        for item, outcome in zip(items, outcomes, strict=True)
    }


def test_postgres_batch_blocked_by_an_uncommitted_batch_treats_its_rows_as_stored(
    postgres_url: str,
) -> None:
    items = [make_item(f"race-{number}") for number in range(4)]
    theirs = [items[0], replace(items[1], text="edited"), items[2], make_item("race-only-theirs")]
    with Store.open(postgres_url) as first, Store.open(postgres_url) as second:
        results: queue.Queue[list[WriteOutcome] | BaseException] = queue.Queue()

        def write_second() -> None:
            try:
                results.put(store_batch(second, [write(item) for item in theirs], now=NOW + HOUR))
            except BaseException as error:
                results.put(error)

        writer = threading.Thread(target=write_second)
        with first.transaction() as tx:
            mine = mentions.add_or_update_many(
                tx,
                source="google",
                source_type="google_places",
                writes=[write(item) for item in items],
                now=NOW,
            )
            writer.start()
            # The second batch's SELECT saw none of ours; its INSERT now waits on our rows.
            wait_for_lock_waiter(first)
        writer.join()
        outcome = results.get_nowait()
    assert not isinstance(outcome, BaseException), outcome
    assert statuses(mine) == ["new"] * 4
    ids = [found.mention_id for found in mine]
    assert outcome[:3] == [
        WriteOutcome(ids[0], "unchanged"),
        WriteOutcome(ids[1], "updated"),
        WriteOutcome(ids[2], "unchanged"),
    ]
    assert outcome[3].status == "new"
    with Store.open(postgres_url) as store:
        rows = stored(store)
    assert (rows["race-1"].text, rows["race-1"].version) == ("edited", 2)
    assert set(rows) == {item.external_id for item in items} | {"race-only-theirs"}
