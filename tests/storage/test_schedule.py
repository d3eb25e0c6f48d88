"""The schedule in the database: first due times, claims (SKIP LOCKED), host slots, job slots."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from storage import job_slots, schedule, source_state
from storage.database import Store
from storage.schedule import Planned

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
HOUR = timedelta(hours=1)


def feeds(count: int, interval: timedelta = HOUR) -> list[Planned]:
    return [Planned(f"feed{n}", "feed", interval, scheduled=True) for n in range(count)]


def dues(store: Store) -> dict[str, datetime | None]:
    with store.transaction(read_only=True) as tx:
        return {name: row.next_due_at for name, row in source_state.statuses(tx).items()}


def test_a_few_new_sources_are_due_at_once(store: Store) -> None:
    with store.transaction() as tx:
        schedule.sync(tx, feeds(5), NOW)
    assert set(dues(store).values()) == {NOW}


def test_thousands_of_new_sources_are_spread_over_their_interval(store: Store) -> None:
    with store.transaction() as tx:
        schedule.sync(tx, feeds(2000, timedelta(minutes=1)), NOW)
    offsets = sorted((due - NOW).total_seconds() for due in dues(store).values() if due)
    assert len(offsets) == 2000
    assert offsets[0] == 0 and offsets[-1] < 60
    # Evenly: never more than a handful due in the same second.
    per_second = [sum(1 for o in offsets if int(o) == second) for second in range(60)]
    assert max(per_second) <= 34


def test_sync_keeps_due_times_unschedules_removed_sources_and_honours_a_shorter_interval(
    store: Store,
) -> None:
    with store.transaction() as tx:
        schedule.sync(tx, feeds(3, timedelta(days=1)), NOW)
        for n in range(3):
            source_state.record_success(
                tx,
                f"feed{n}",
                cursor={},
                etag=None,
                last_modified=None,
                now=NOW,
                next_due_at=NOW + timedelta(days=1),
            )
    later = NOW + timedelta(minutes=5)
    shorter = [
        Planned("feed0", "feed", timedelta(minutes=10), scheduled=True),
        Planned("feed1", "feed", timedelta(days=1), scheduled=True),
    ]
    with store.transaction() as tx:
        schedule.sync(tx, shorter, later)
        rows = source_state.statuses(tx)
    assert rows["feed0"].next_due_at is not None
    assert rows["feed0"].next_due_at <= later + timedelta(minutes=10)
    assert rows["feed1"].next_due_at == NOW + timedelta(days=1)
    assert not rows["feed2"].scheduled  # gone from the config: never claimed
    with store.transaction() as tx:
        claimed = schedule.claim_due(tx, "w1", NOW + timedelta(days=2), NOW + LEASE, 10)
    assert {row.name for row in claimed} == {"feed0", "feed1"}


def test_claims_take_due_free_sources_most_overdue_first(store: Store) -> None:
    with store.transaction() as tx:
        schedule.sync(tx, feeds(4), NOW)
        source_state.record_success(
            tx,
            "feed3",
            cursor={},
            etag=None,
            last_modified=None,
            now=NOW,
            next_due_at=NOW + HOUR,
        )
    with store.transaction() as tx:
        first = schedule.claim_due(tx, "w1", NOW, NOW + LEASE, 2)
    with store.transaction() as tx:
        second = schedule.claim_due(tx, "w2", NOW, NOW + LEASE, 10)
    with store.transaction() as tx:
        after_expiry = schedule.claim_due(tx, "w3", NOW + LEASE * 2, NOW + LEASE * 3, 10)
    assert len(first) == 2 and len(second) == 1  # feed3 is not due
    assert {row.name for row in first} | {row.name for row in second} == {"feed0", "feed1", "feed2"}
    # The leases ran out (their workers died): the sources are claimable again.
    assert {row.name for row in after_expiry} == {"feed0", "feed1", "feed2"}


def test_postgresql_claims_at_the_same_moment_skip_each_others_rows(postgres_url: str) -> None:
    with Store.open(postgres_url) as store:
        with store.transaction() as tx:
            schedule.sync(tx, feeds(10), NOW)
        holding = threading.Event()
        release = threading.Event()
        taken: dict[str, set[str]] = {}

        def slow_claimer() -> None:
            with store.transaction() as tx:
                taken["slow"] = {
                    row.name for row in schedule.claim_due(tx, "w1", NOW, NOW + LEASE, 4)
                }
                holding.set()
                release.wait(30)  # its transaction stays open, its rows locked

        thread = threading.Thread(target=slow_claimer)
        thread.start()
        assert holding.wait(30)
        try:
            # Neither blocks on the open transaction nor takes its rows.
            with store.transaction() as tx:
                taken["fast"] = {
                    row.name for row in schedule.claim_due(tx, "w2", NOW, NOW + LEASE, 10)
                }
        finally:
            release.set()
            thread.join(30)
    assert len(taken["slow"]) == 4 and len(taken["fast"]) == 6
    assert not taken["slow"] & taken["fast"]


def test_a_host_slot_admits_one_poll_of_the_host_and_its_pause(store: Store) -> None:
    planned = [
        Planned(f"mn{n}", "mumsnet", HOUR, scheduled=True, host="www.mumsnet.com") for n in range(3)
    ] + feeds(1)
    with store.transaction() as tx:
        schedule.sync(tx, planned, NOW)
    with store.transaction() as tx:
        first = schedule.claim_due(tx, "w1", NOW, NOW + LEASE, 10)
    with store.transaction() as tx:
        meanwhile = schedule.claim_due(tx, "w2", NOW, NOW + LEASE, 10)
    names = sorted(row.name for row in first)
    assert names[0] == "feed0" and len(names) == 2 and names[1].startswith("mn")
    assert meanwhile == []  # the other Mumsnet sources wait for the host
    holder = next(row for row in first if row.host_slot)
    pause_ends = NOW + timedelta(seconds=10)
    with store.transaction() as tx:
        schedule.release_host(tx, "www.mumsnet.com", "w1", pause_ends)
        source_state.release_lease(tx, holder.name, "w1")
    with store.transaction() as tx:
        during_pause = schedule.claim_due(tx, "w2", NOW + timedelta(seconds=9), NOW + LEASE, 10)
    with store.transaction() as tx:
        after_pause = schedule.claim_due(tx, "w2", pause_ends, pause_ends + LEASE, 10)
    assert during_pause == []
    assert len(after_pause) == 1 and after_pause[0].host_slot == "www.mumsnet.com"


def test_a_dead_pollers_host_slot_is_taken_back_when_its_lease_ends(store: Store) -> None:
    planned = [Planned(f"mn{n}", "mumsnet", HOUR, scheduled=True, host="h") for n in range(2)]
    with store.transaction() as tx:
        schedule.sync(tx, planned, NOW)
        assert len(schedule.claim_due(tx, "dead", NOW, NOW + LEASE, 10)) == 1
    with store.transaction() as tx:
        assert schedule.claim_due(tx, "w2", NOW + LEASE / 2, NOW + LEASE, 10) == []
    with store.transaction() as tx:
        assert len(schedule.claim_due(tx, "w2", NOW + LEASE * 2, NOW + LEASE * 3, 10)) == 1


@pytest.mark.parametrize("finished", [True, False])
def test_a_job_slot_runs_once_unless_its_runner_died(store: Store, finished: bool) -> None:
    period = NOW.replace(minute=0)
    with store.transaction() as tx:
        assert job_slots.take(tx, "digest", period, "w1", NOW + LEASE, NOW)
        assert not job_slots.take(tx, "digest", period, "w2", NOW + LEASE, NOW)
        assert job_slots.take(tx, "digest", period + HOUR, "w2", NOW + LEASE, NOW)
        if finished:
            assert job_slots.finish(tx, "digest", period, "w1", NOW)
    later = NOW + LEASE * 2
    with store.transaction() as tx:
        taken_over = job_slots.take(tx, "digest", period, "w3", later + LEASE, later)
    assert taken_over is not finished
