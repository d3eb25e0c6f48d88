"""Source state: cursor and health bookkeeping, and leases between workers."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from monitor.model import Health, SourceState
from storage import source_state
from storage.database import Store
from storage.errors import UnknownSourceError
from tests.storage.factories import HOUR, NOW


@pytest.fixture
def wiki(store: Store) -> Store:
    """A store with the source "wiki" ensured."""
    with store.transaction() as tx:
        source_state.ensure(tx, "wiki", "wikipedia")
    return store


def test_ensure_creates_a_healthy_empty_row_once(store: Store) -> None:
    with store.transaction() as tx:
        assert source_state.load(tx, "wiki") is None
        source_state.ensure(tx, "wiki", "wikipedia")
        source_state.record_success(
            tx,
            "wiki",
            cursor={"rvstartid": 7},
            etag=None,
            last_modified=None,
            now=NOW,
            next_due_at=NOW + HOUR,
        )
        source_state.ensure(tx, "wiki", "wikipedia")
        state = source_state.load(tx, "wiki")
    assert state == SourceState(name="wiki", cursor={"rvstartid": 7}, last_success_at=NOW)


def test_a_changed_type_starts_the_source_afresh(wiki: Store) -> None:
    with wiki.transaction() as tx:
        source_state.record_success(
            tx,
            "wiki",
            cursor={"pages": {"X": 7}},
            etag='"e"',
            last_modified=None,
            now=NOW,
            next_due_at=NOW + HOUR,
        )
        assert source_state.ensure(tx, "wiki", "wikipedia") is False
        assert source_state.load(tx, "wiki") == SourceState(
            name="wiki", cursor={"pages": {"X": 7}}, etag='"e"', last_success_at=NOW
        )
        assert source_state.ensure(tx, "wiki", "feed") is True
        state = source_state.load(tx, "wiki")
        row = source_state.statuses(tx)["wiki"]
    assert state == SourceState(name="wiki")
    assert state.is_first_poll
    assert row.type == "feed" and row.health == Health.OK


def test_a_new_source_is_on_its_first_poll(wiki: Store) -> None:
    with wiki.transaction(read_only=True) as tx:
        state = source_state.load(tx, "wiki")
        row = source_state.statuses(tx)["wiki"]
    assert state is not None and state.is_first_poll
    assert (row.type, row.health, row.consecutive_failures) == ("wikipedia", Health.OK, 0)


def test_a_second_owner_is_refused_until_the_lease_expires(wiki: Store) -> None:
    with wiki.transaction() as tx:
        assert source_state.acquire_lease(tx, "wiki", "daemon", until=NOW + HOUR, now=NOW)
    with wiki.transaction() as tx:
        assert not source_state.acquire_lease(tx, "wiki", "cli", until=NOW + HOUR, now=NOW)
        assert source_state.lease_holder(tx, "wiki", NOW) == "daemon"
        assert source_state.lease_holder(tx, "wiki", NOW + HOUR) == "daemon"
        assert source_state.lease_holder(tx, "wiki", NOW + 2 * HOUR) is None
    later = NOW + 2 * HOUR
    with wiki.transaction() as tx:
        assert source_state.acquire_lease(tx, "wiki", "cli", until=later + HOUR, now=later)
        assert source_state.lease_holder(tx, "wiki", later) == "cli"


def test_the_same_owner_re_acquires_and_release_frees_the_lease(wiki: Store) -> None:
    with wiki.transaction() as tx:
        assert source_state.acquire_lease(tx, "wiki", "daemon", until=NOW + HOUR, now=NOW)
        assert source_state.acquire_lease(tx, "wiki", "daemon", until=NOW + 3 * HOUR, now=NOW)
        assert source_state.statuses(tx)["wiki"].lease_until == NOW + 3 * HOUR
    with wiki.transaction() as tx:
        source_state.release_lease(tx, "wiki", "cli")
        assert source_state.lease_holder(tx, "wiki", NOW) == "daemon"
        source_state.release_lease(tx, "wiki", "daemon")
        assert source_state.lease_holder(tx, "wiki", NOW) is None
        assert source_state.acquire_lease(tx, "wiki", "cli", until=NOW + HOUR, now=NOW)


def test_no_lease_on_a_source_without_a_row(store: Store) -> None:
    with store.transaction() as tx:
        assert not source_state.acquire_lease(tx, "ghost", "daemon", until=NOW + HOUR, now=NOW)


def test_failures_count_up_and_keep_the_cursor(wiki: Store) -> None:
    with wiki.transaction() as tx:
        source_state.record_success(
            tx,
            "wiki",
            cursor={"rvstartid": 41},
            etag='"v1"',
            last_modified="Fri, 14 Mar 2025 09:00:00 GMT",
            now=NOW,
            next_due_at=NOW + HOUR,
        )
        counts = [
            source_state.record_failure(
                tx,
                "wiki",
                error=f"HTTP 503 (attempt {attempt})",
                health="failing",
                now=NOW + attempt * HOUR,
                next_due_at=NOW + (attempt + 1) * HOUR,
                blocked_until=None,
            ).consecutive_failures
            for attempt in (1, 2, 3)
        ]
        row = source_state.statuses(tx)["wiki"]
    assert counts == [1, 2, 3]
    assert row.cursor == {"rvstartid": 41}
    assert (row.etag, row.last_modified) == ('"v1"', "Fri, 14 Mar 2025 09:00:00 GMT")
    assert (row.health, row.last_error) == (Health.FAILING, "HTTP 503 (attempt 3)")
    assert (row.last_success_at, row.last_poll_at, row.next_due_at) == (
        NOW,
        NOW + 3 * HOUR,
        NOW + 4 * HOUR,
    )


def test_success_after_failure_is_a_recovery_and_resets_the_counters(wiki: Store) -> None:
    with wiki.transaction() as tx:
        first = source_state.record_success(
            tx, "wiki", cursor={}, etag=None, last_modified=None, now=NOW, next_due_at=NOW + HOUR
        )
        source_state.record_failure(
            tx,
            "wiki",
            error="429 Too Many Requests",
            health=Health.BLOCKED,
            now=NOW + HOUR,
            next_due_at=NOW + 2 * HOUR,
            blocked_until=NOW + 5 * HOUR,
        )
        blocked = source_state.statuses(tx)["wiki"]
        recovered = source_state.record_success(
            tx,
            "wiki",
            cursor={"seen": ["a"]},
            etag=None,
            last_modified=None,
            now=NOW + 6 * HOUR,
            next_due_at=NOW + 7 * HOUR,
        )
        again = source_state.record_success(
            tx,
            "wiki",
            cursor={"seen": ["a"]},
            etag=None,
            last_modified=None,
            now=NOW + 7 * HOUR,
            next_due_at=NOW + 8 * HOUR,
        )
        row = source_state.statuses(tx)["wiki"]
    assert (first.recovered, recovered.recovered, again.recovered) == (False, True, False)
    assert (recovered.previous_health, recovered.previous_failures) == (Health.BLOCKED, 1)
    assert (blocked.health, blocked.blocked_until) == (Health.BLOCKED, NOW + 5 * HOUR)
    assert (row.health, row.consecutive_failures, row.last_error) == (Health.OK, 0, None)
    assert (row.blocked_until, row.last_success_at) == (None, NOW + 7 * HOUR)
    assert row.cursor == {"seen": ["a"]}


def test_an_unknown_health_or_source_is_refused(wiki: Store) -> None:
    with wiki.transaction() as tx:
        with pytest.raises(ValueError, match="broken"):
            source_state.record_failure(
                tx, "wiki", error="x", health="broken", now=NOW, next_due_at=NOW, blocked_until=None
            )
        with pytest.raises(UnknownSourceError, match="ghost"):
            source_state.record_failure(
                tx,
                "ghost",
                error="x",
                health="failing",
                now=NOW,
                next_due_at=NOW,
                blocked_until=None,
            )
        with pytest.raises(UnknownSourceError, match="ghost"):
            source_state.record_success(
                tx, "ghost", cursor={}, etag=None, last_modified=None, now=NOW, next_due_at=NOW
            )


def test_a_long_error_is_cut_short(wiki: Store) -> None:
    with wiki.transaction() as tx:
        source_state.record_failure(
            tx,
            "wiki",
            error="x" * 10_000,
            health="failing",
            now=NOW,
            next_due_at=NOW,
            blocked_until=None,
        )
        row = source_state.statuses(tx)["wiki"]
    assert row.last_error == "x" * source_state.MAX_ERROR_LENGTH


def test_statuses_lists_every_source(wiki: Store) -> None:
    with wiki.transaction() as tx:
        source_state.ensure(tx, "news", "feed")
        assert sorted(source_state.statuses(tx)) == ["news", "wiki"]


def test_fenced_writes_need_the_lease(wiki: Store) -> None:
    with wiki.transaction() as tx:
        assert source_state.acquire_lease(tx, "wiki", "me", NOW + HOUR, NOW)
        assert source_state.renew_lease(tx, "wiki", "me", NOW + 2 * HOUR)
        # Another worker takes the source over once our lease has run out.
        assert source_state.acquire_lease(tx, "wiki", "them", NOW + 4 * HOUR, NOW + 3 * HOUR)
        assert not source_state.renew_lease(tx, "wiki", "me", NOW + 5 * HOUR)
        with pytest.raises(source_state.LeaseLostError):
            source_state.record_success(
                tx,
                "wiki",
                cursor={"mine": 1},
                etag=None,
                last_modified=None,
                now=NOW,
                next_due_at=NOW,
                owner="me",
            )
        with pytest.raises(source_state.LeaseLostError):
            source_state.record_failure(
                tx,
                "wiki",
                error="x",
                health="failing",
                now=NOW,
                next_due_at=NOW,
                blocked_until=None,
                owner="me",
            )
        done = source_state.record_success(
            tx,
            "wiki",
            cursor={"theirs": 1},
            etag=None,
            last_modified=None,
            now=NOW,
            next_due_at=NOW,
            owner="them",
        )
        row = source_state.statuses(tx)["wiki"]
    assert done.health is Health.OK
    assert row.cursor == {"theirs": 1}


def test_ensure_many_creates_missing_rows_and_resets_changed_types(wiki: Store) -> None:
    with wiki.transaction() as tx:
        reset = source_state.ensure_many(tx, {"wiki": "feed", "news": "feed", "blog": "feed"})
        found = source_state.rows(tx, ["wiki", "news", "nosuch"])
    assert reset == {"wiki"}
    assert sorted(found) == ["news", "wiki"]
    assert found["wiki"].type == "feed"


def test_leases_are_taken_in_one_statement_only_where_free_expired_or_ours(
    store: Store,
) -> None:
    with store.transaction() as tx:
        source_state.ensure_many(tx, {"a": "feed", "b": "feed", "c": "feed"})
        assert source_state.acquire_lease(tx, "b", "them", NOW + HOUR, NOW)
        assert source_state.acquire_lease(tx, "c", "them", NOW + HOUR, NOW - 2 * HOUR)
        taken = source_state.acquire_leases(tx, ["a", "b", "c"], "me", NOW + HOUR, NOW + HOUR / 2)
        assert taken == {"a"}  # b and c are still theirs
        later = source_state.acquire_leases(tx, ["b", "c"], "me", NOW + 3 * HOUR, NOW + 2 * HOUR)
        assert later == {"b", "c"}  # expired: taken over
        assert source_state.acquire_leases(tx, [], "me", NOW, NOW) == set()


def test_a_batch_of_idle_successes_is_saved_in_two_statements_fenced_on_the_lease(
    store: Store,
) -> None:
    names = [f"feed{n}" for n in range(40)]
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    with store.transaction() as tx:
        source_state.ensure_many(tx, dict.fromkeys(names, "feed"))
        source_state.acquire_leases(tx, names[:-1], "me", NOW + HOUR, NOW)
        assert source_state.acquire_lease(tx, names[-1], "them", NOW + HOUR, NOW)
        earlier = source_state.IdleSuccess(names[0], {}, None, None, NOW, lag=7.0)
        source_state.record_idle_successes(tx, [earlier], now=NOW, owner="me")
        assert source_state.acquire_lease(tx, names[0], "me", NOW + HOUR, NOW)
    successes = [
        source_state.IdleSuccess(
            name,
            {"n": n},
            f'"{n}"',
            None,
            NOW + n * HOUR,
            skipped_items=n % 2,
            lag=None if n == 0 else n / 10,
        )
        for n, name in enumerate(names)
    ]
    later = NOW + HOUR / 2
    sa.event.listen(store.engine, "before_cursor_execute", seen)
    with store.transaction() as tx:
        written = source_state.record_idle_successes(tx, successes, now=later, owner="me")
    sa.event.remove(store.engine, "before_cursor_execute", seen)
    assert written == set(names[:-1])  # the last one's lease is theirs: nothing written for it
    assert len([s for s in statements if not s.startswith(("BEGIN", "COMMIT"))]) == 2
    with store.transaction() as tx:
        rows = source_state.statuses(tx)
    for n, name in enumerate(names[:-1]):
        row = rows[name]
        assert (row.cursor, row.etag, row.next_due_at) == ({"n": n}, f'"{n}"', NOW + n * HOUR)
        assert (row.last_poll_at, row.last_success_at, row.lease_owner) == (later, later, None)
        assert row.skipped_items == n % 2
    assert rows[names[0]].last_lag == 7.0  # a manual scan (no lag) keeps the daemon's figure
    assert rows[names[5]].last_lag == 0.5
    theirs = rows[names[-1]]
    assert (theirs.lease_owner, theirs.cursor, theirs.last_poll_at) == ("them", {}, None)


def test_an_idle_success_is_saved_and_the_lease_given_back_only_by_its_holder(
    wiki: Store,
) -> None:
    with wiki.transaction() as tx:
        assert source_state.acquire_lease(tx, "wiki", "me", NOW + HOUR, NOW)
        idle = [source_state.IdleSuccess("wiki", {"rvstartid": 9}, '"e"', None, NOW + HOUR)]
        assert not source_state.record_idle_successes(tx, idle, now=NOW, owner="them")
        assert source_state.record_idle_successes(tx, idle, now=NOW, owner="me")
        row = source_state.statuses(tx)["wiki"]
    assert (row.cursor, row.etag, row.last_success_at) == ({"rvstartid": 9}, '"e"', NOW)
    assert (row.lease_owner, row.lease_until, row.next_due_at) == (None, None, NOW + HOUR)
