"""Two scans storing the same items at once never store one twice (DESIGN.md 8.1).

Each writer reports an outcome per item; exactly one writer may call an item "new", the other
must find that same row. Threads share nothing but the database; processes share nothing at all
and also race to create the schema of a fresh database.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

import pytest
import sqlalchemy as sa

from storage import mention_reading, mentions
from storage.database import Store
from storage.mentions import WriteOutcome
from tests.storage.factories import NOW, make_item

ITEMS = 20
Outcomes = dict[str, tuple[str, int]]


def store_items(store: Store, count: int = ITEMS) -> Outcomes:
    """Store items i0..i{count-1} of source "google", one transaction each, as a scan would."""
    outcomes: Outcomes = {}
    for number in range(count):
        with store.transaction() as tx:
            outcome = mentions.add_or_update(
                tx,
                source="google",
                source_type="google_places",
                item=make_item(f"i{number}"),
                sentiment=None,
                labels=[],
                now=NOW,
                baseline=False,
            )
        outcomes[f"i{number}"] = (outcome.status, outcome.mention_id)
    return outcomes


def assert_one_new_per_item(first: Outcomes, second: Outcomes, store: Store) -> None:
    """Every item stored once: one writer saw it new, the other unchanged, both the same row."""
    assert first.keys() == second.keys() == {f"i{number}" for number in range(ITEMS)}
    for external_id in first:
        (status_a, id_a), (status_b, id_b) = first[external_id], second[external_id]
        assert sorted([status_a, status_b]) == ["new", "unchanged"], external_id
        assert id_a == id_b, external_id
    with store.transaction(read_only=True) as tx:
        assert mention_reading.count_by_source(tx) == {"google": ITEMS}


def run_in_threads(*jobs: Callable[[], Outcomes]) -> list[Outcomes]:
    """Run the jobs together in threads released at once; re-raise the first failure."""
    barrier = threading.Barrier(len(jobs))
    results: list[Outcomes | BaseException | None] = [None] * len(jobs)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = jobs[index]()
        except BaseException as error:  # handed to the test thread below
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes: list[Outcomes] = []
    for result in results:
        if isinstance(result, BaseException):
            raise result
        assert result is not None
        outcomes.append(result)
    return outcomes


def test_two_threads_with_their_own_stores_never_duplicate(database_url: str) -> None:
    with Store.open(database_url) as first, Store.open(database_url) as second:
        mine, theirs = run_in_threads(lambda: store_items(first), lambda: store_items(second))
        assert_one_new_per_item(mine, theirs, store=first)


def store_items_in_process(url: str, barrier: Any, results: Any) -> None:
    """Child process: open (and so migrate) the store, then store the items."""
    try:
        barrier.wait()
        with Store.open(url) as store:
            results.put(store_items(store))
    except BaseException as error:
        results.put(f"{type(error).__name__}: {error}")
        raise


def test_two_processes_on_a_fresh_database_migrate_once_and_never_duplicate(
    database_url: str,
) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(target=store_items_in_process, args=(database_url, barrier, results))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    try:
        outcomes = [results.get(timeout=120) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=60)
        results.close()
        results.join_thread()
    for outcome in outcomes:
        assert isinstance(outcome, dict), outcome
    assert [process.exitcode for process in processes] == [0, 0]
    with Store.open(database_url) as store:
        assert_one_new_per_item(outcomes[0], outcomes[1], store=store)


def wait_for_lock_waiter(store: Store) -> None:
    """Return once some other PostgreSQL session is waiting on a lock in this database."""
    deadline = time.monotonic() + 30
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while time.monotonic() < deadline:
        with store.transaction(read_only=True) as tx:
            if tx.connection.execute(query).scalar_one() > 0:
                return
        time.sleep(0.01)
    raise AssertionError("the second writer never waited for the first")


@pytest.mark.parametrize(("edited", "expected"), [(False, "unchanged"), (True, "updated")])
def test_postgres_writer_blocked_by_an_uncommitted_insert_finds_the_row(
    postgres_url: str, edited: bool, expected: Literal["unchanged", "updated"]
) -> None:
    item = make_item("race")
    theirs = replace(item, text="An edited copy of the review.") if edited else item
    with Store.open(postgres_url) as first, Store.open(postgres_url) as second:
        results: queue.Queue[WriteOutcome | BaseException] = queue.Queue()

        def write_second() -> None:
            try:
                with second.transaction() as tx:
                    results.put(
                        mentions.add_or_update(
                            tx,
                            source="google",
                            source_type="google_places",
                            item=theirs,
                            sentiment=None,
                            labels=[],
                            now=NOW,
                            baseline=False,
                        )
                    )
            except BaseException as error:
                results.put(error)

        writer = threading.Thread(target=write_second)
        with first.transaction() as tx:
            mine = mentions.add_or_update(
                tx,
                source="google",
                source_type="google_places",
                item=item,
                sentiment=None,
                labels=[],
                now=NOW,
                baseline=False,
            )
            writer.start()
            # The second writer's SELECT saw nothing; its INSERT now waits on our row.
            wait_for_lock_waiter(first)
        writer.join()
        theirs_outcome = results.get_nowait()
        assert mine.status == "new"
        assert theirs_outcome == WriteOutcome(mine.mention_id, expected)
        with first.transaction(read_only=True) as tx:
            [stored] = mention_reading.list_mentions(tx)
            assert stored.text == theirs.text
            assert len(mentions.versions(tx, stored.id)) == (1 if edited else 0)
