"""The scan's guarantees under hostile input: containment, a free loop, fenced leases, deadlines."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config.settings import Config, load
from monitor.model import EditorKind, FetchResult, Item, Mention, RevisionFacts, SourceState
from monitor.scan.ingest import scoring_text
from monitor.scan.pacing import failure_backoff
from monitor.scan.scanner import Scanner, ScanReport
from sources.base import SourceConfig, register, unregister
from sources.http import PoliteClient
from storage import mention_reading, scan_runs, source_state
from storage.database import Store
from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply

ATOM = {"Content-Type": "application/atom+xml"}


def atom_feed(*entries: tuple[str, str]) -> bytes:
    """An Atom feed of (id, title) entries; titles are inserted raw (they may hold entities)."""
    body = "".join(
        f"<entry><id>{entry_id}</id><title>{title}</title>"
        f'<link href="https://news.example.org/{entry_id}"/>'
        "<updated>2026-11-20T10:00:00Z</updated></entry>"
        for entry_id, title in entries
    )
    return (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        f"<id>urn:t</id><updated>2026-11-20T00:00:00Z</updated>{body}</feed>"
    ).encode()


def scan_with(scanner_options: dict[str, object], config: Config) -> ScanReport:
    """One scan with a Scanner built from `scanner_options` (lease length, clock, owner …)."""
    store = Store.open(config.storage.url)
    try:

        async def go() -> ScanReport:
            async with PoliteClient(contact="t@example.org", timeout=5, backoff=0.01) as http:
                scanner = Scanner(config, store, http, **scanner_options)  # type: ignore[arg-type]
                return await scanner.run()

        return asyncio.run(go())
    finally:
        store.close()


def stored(config: Config) -> list[Mention]:
    with Store.open(config.storage.url) as store, store.transaction(read_only=True) as tx:
        return mention_reading.list_mentions(tx)


def feed_config(tmp_path: Path, url: str, feeds: dict[str, str], **keys: object) -> Config:
    sources = {
        name: {"type": "feed", "url": f"{url}{path}", **keys} for name, path in feeds.items()
    }
    return load(write_config(tmp_path, storage_url=url_of(tmp_path), sources=sources))


def url_of(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monitor.db'}"


# ---- containment ---------------------------------------------------------------------------


def test_a_nul_in_an_entry_is_stored_clean_and_the_other_sources_go_on(
    server: LoopbackServer, database_url: str, tmp_path: Path
) -> None:
    server.route("/nul", Reply(body=atom_feed(("n1", "Calcot&#0; fair\x01 day")), headers=ATOM))
    server.route("/ok", Reply(body=atom_feed(("k1", "Calcot concert")), headers=ATOM))
    config = load(
        write_config(
            tmp_path,
            storage_url=database_url,
            sources={
                "nul": {"type": "feed", "url": f"{server.url}/nul"},
                "ok": {"type": "feed", "url": f"{server.url}/ok"},
            },
        )
    )
    report = scan_with({}, config)
    assert [(o.name, o.status, o.new) for o in report.outcomes] == [
        ("nul", "ok", 1),
        ("ok", "ok", 1),
    ]
    titles = sorted(mention.title or "" for mention in stored(config))
    assert titles == ["Calcot concert", "Calcot fair day"]
    # A rescan finds the cleaned entry unchanged (the diff hashes the cleaned item).
    again = scan_with({}, config)
    assert [(o.new, o.updated) for o in again.outcomes] == [(0, 0), (0, 0)]


async def fetch_raises(http: PoliteClient, config: SourceConfig, state: SourceState) -> FetchResult:
    raise KeyError("data")


async def fetch_bad_extra(
    http: PoliteClient, config: SourceConfig, state: SourceState
) -> FetchResult:
    return FetchResult([Item("x", "entry", "text", extra={"when": datetime.now(UTC)})])


async def fetch_undeclared_facts(
    http: PoliteClient, config: SourceConfig, state: SourceState
) -> FetchResult:
    facts = RevisionFacts(
        editor=EditorKind.TEMPORARY, size_delta=None, bytes_removed=None, removed_share=None,
        blanking=True, replaced=False, offensive_words=(), is_revert=False, reverted=False,
        revert_risk=None,
    )  # fmt: skip
    return FetchResult([Item("x", "revision", "text", facts=facts)])


@pytest.fixture
def broken_adapters() -> Iterator[None]:
    """Three adapters with bugs, registered for one test only."""
    register("test_raises", SourceConfig)(fetch_raises)
    register("test_bad_extra", SourceConfig)(fetch_bad_extra)
    # Hands on revision facts without declaring them (its capabilities say none).
    register("test_undeclared_facts", SourceConfig)(fetch_undeclared_facts)
    yield
    unregister("test_raises")
    unregister("test_bad_extra")
    unregister("test_undeclared_facts")


def test_adapter_bugs_become_recorded_failures_and_the_run_is_finished(
    server: LoopbackServer, database_url: str, tmp_path: Path, broken_adapters: None
) -> None:
    server.route("/ok", Reply(body=atom_feed(("k1", "Calcot concert")), headers=ATOM))
    config = load(
        write_config(
            tmp_path,
            storage_url=database_url,
            sources={
                "raises": {"type": "test_raises"},
                "bad_extra": {"type": "test_bad_extra"},
                "undeclared": {"type": "test_undeclared_facts"},
                "ok": {"type": "feed", "url": f"{server.url}/ok"},
            },
        )
    )
    report = scan_with({}, config)
    outcomes = {o.name: o for o in report.outcomes}
    assert outcomes["ok"].status == "ok" and outcomes["ok"].new == 1
    assert outcomes["raises"].status == "failed"
    assert outcomes["raises"].error == (
        "unexpected error in the test_raises adapter: KeyError: 'data'"
    )
    assert outcomes["bad_extra"].status == "failed"
    assert "Item.extra must be JSON" in (outcomes["bad_extra"].error or "")
    assert (outcomes["undeclared"].status, outcomes["undeclared"].error) == (
        "failed",
        "unexpected error in the score stage: TypeError: the test_undeclared_facts adapter"
        " declares facts none, but item x carries RevisionFacts",
    )
    with Store.open(config.storage.url) as store, store.transaction(read_only=True) as tx:
        rows = source_state.statuses(tx)
        [run] = scan_runs.latest(tx)
    assert rows["raises"].consecutive_failures == 1 and rows["raises"].health == "failing"
    assert run.finished_at is not None
    assert set(run.outcomes) == {"raises", "bad_extra", "undeclared", "ok"}


PLUGIN = '''
"""Crashing plug-in."""
from monitor.model import FetchResult
from sources.base import SourceConfig, register


@register("crashing_plugin", SourceConfig)
async def fetch(http, config, state):
    raise RuntimeError("plug-in bug")
'''


def test_a_plugin_adapter_that_raises_fails_alone_in_a_real_monitor_scan(
    server: LoopbackServer, tmp_path: Path
) -> None:
    (tmp_path / "crashing_plugin.py").write_text(PLUGIN, encoding="utf-8")
    dist = tmp_path / "crashing_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: crashing-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[reputation_monitor.sources]\ncrashing_plugin = crashing_plugin\n"
    )
    server.route("/ok", Reply(body=atom_feed(("k1", "Calcot concert")), headers=ATOM))
    path = write_config(
        tmp_path,
        storage_url=url_of(tmp_path),
        sources={
            "crash": {"type": "crashing_plugin"},
            "ok": {"type": "feed", "url": f"{server.url}/ok"},
        },
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(path), "scan"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "unexpected error in the crashing_plugin adapter: RuntimeError: plug-in bug" in (
        done.stdout
    )
    with Store.open(url_of(tmp_path)) as store, store.transaction(read_only=True) as tx:
        assert [m.source for m in mention_reading.list_mentions(tx)] == ["ok"]


def test_a_failure_streak_of_sixty_is_recorded_every_time(
    server: LoopbackServer, database_url: str, tmp_path: Path
) -> None:
    server.route("/down", Reply(status=404))
    config = load(
        write_config(
            tmp_path,
            storage_url=database_url,
            sources={"down": {"type": "feed", "url": f"{server.url}/down", "interval": "30m"}},
        )
    )
    store = Store.open(config.storage.url)
    try:
        for _ in range(60):
            report = asyncio.run(one_scan(config, store))
            assert report.outcomes[0].status == "failed"
        with store.transaction(read_only=True) as tx:
            row = source_state.statuses(tx)["down"]
    finally:
        store.close()
    assert row.consecutive_failures == 60
    assert failure_backoff(timedelta(minutes=30), 60) == timedelta(hours=6)
    assert failure_backoff(timedelta(days=3650), 10_000) == timedelta(days=3650)


async def one_scan(config: Config, store: Store) -> ScanReport:
    async with PoliteClient(contact="t@example.org", timeout=5, retries=0) as http:
        return await Scanner(config, store, http).run()


# ---- the loop stays free ---------------------------------------------------------------------


def test_a_held_write_lock_does_not_stop_other_sources_requests(
    server: LoopbackServer, tmp_path: Path
) -> None:
    """Source a's commit waits for the lock in a thread; b–f still make their second request.

    Each of b–f is a redirect, so it makes a second request after its first answer. The lock
    is taken when a's request arrives and released only once every second request has reached
    the server (or after 10 s): if a's commit blocked the event loop, no second request could
    be sent while the lock is held, and the check below fails.
    """
    config_path = write_config(
        tmp_path,
        storage_url=url_of(tmp_path),
        sources={
            name: {"type": "feed", "url": f"{server.url}/{name}"}
            for name in ("a", "b", "c", "d", "e", "f")
        },
    )
    config = load(config_path)
    Store.open(config.storage.url).close()
    second_requests = threading.Semaphore(0)
    lock_taken = threading.Event()
    released_early = threading.Event()

    def hold_the_write_lock() -> None:
        other = sqlite3.connect(tmp_path / "monitor.db", isolation_level=None, timeout=30)
        other.execute("BEGIN IMMEDIATE")
        lock_taken.set()
        got_all = all(second_requests.acquire(timeout=10) for _ in range(5))
        released_early.set() if got_all else None
        other.execute("ROLLBACK")
        other.close()

    server.route("/a", Reply(body=atom_feed(("a1", "Calcot a")), headers=ATOM))
    for name in "bcdef":
        # The first answer waits until the lock is held, then redirects.
        server.route(
            f"/{name}",
            Reply(status=302, headers={"Location": f"/{name}/feed"}, hold=lock_taken),
        )
        server.route(f"/{name}/feed", Reply(body=atom_feed((f"{name}1", "Calcot")), headers=ATOM))
    server.on_request = lambda request: (
        threading.Thread(target=hold_the_write_lock, daemon=True).start()
        if request.path == "/a"
        else second_requests.release()
        if request.path.endswith("/feed")
        else None
    )
    report = scan_with({}, config)
    assert released_early.is_set(), "the other sources' requests waited for a's commit"
    assert sorted((o.name, o.status) for o in report.outcomes) == [
        (name, "ok") for name in "abcdef"
    ]


# ---- fenced leases and deadlines ---------------------------------------------------------------


def test_a_poll_whose_lease_was_taken_over_stores_nothing(
    server: LoopbackServer, database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    taken_over = threading.Event()
    server.route(
        "/slow", Reply(body=atom_feed(("s1", "Calcot slow news")), headers=ATOM, hold=taken_over)
    )
    config = load(
        write_config(
            tmp_path,
            storage_url=database_url,
            sources={"slow": {"type": "feed", "url": f"{server.url}/slow"}},
        )
    )
    Store.open(config.storage.url).close()

    def take_over() -> None:
        # While the slow poll waits for its answer, its lease runs out and another worker takes it.
        with Store.open(config.storage.url) as store, store.transaction() as tx:
            far = datetime.now(UTC) + timedelta(days=1)
            assert source_state.acquire_lease(
                tx, "slow", "other-worker", far + timedelta(hours=1), far
            )
        taken_over.set()

    server.on_request = lambda request: threading.Thread(target=take_over, daemon=True).start()
    caplog.set_level(logging.DEBUG, logger="monitor")
    report = scan_with({}, config)
    [outcome] = report.outcomes
    # Found by the commit's fence, and handled as a lost lease there: not as an unexpected
    # error of the commit stage that only a failed attempt to record the failure set right.
    assert outcome.status == "lease_lost"
    assert outcome.error == "the lease on slow is no longer ours; nothing of this poll was stored"
    logged = [record.getMessage() for record in caplog.records]
    assert not [line for line in logged if "unexpected error" in line or "raised" in line]
    assert stored(config) == []
    with Store.open(config.storage.url) as store, store.transaction(read_only=True) as tx:
        row = source_state.statuses(tx)["slow"]
    assert row.lease_owner == "other-worker" and row.last_success_at is None


def test_a_lost_lease_found_on_renewal_cancels_the_poll(
    server: LoopbackServer, tmp_path: Path
) -> None:
    never = threading.Event()
    server.route("/slow", Reply(body=atom_feed(("s1", "x")), headers=ATOM, hold=never))
    config = feed_config(tmp_path, server.url, {"slow": "/slow"})
    Store.open(config.storage.url).close()

    def steal() -> None:
        with Store.open(config.storage.url) as store, store.transaction() as tx:
            source_state.release_lease(
                tx, "slow", source_state.statuses(tx)["slow"].lease_owner or ""
            )
            source_state.acquire_lease(
                tx, "slow", "thief", datetime.now(UTC) + timedelta(hours=1), datetime.now(UTC)
            )

    server.on_request = lambda request: steal()
    # A 0.3 s lease is renewed every 0.1 s: the first renewal finds the thief.
    report = scan_with({"lease": timedelta(seconds=0.3)}, config)
    never.set()
    assert report.outcomes[0].status == "lease_lost"
    assert stored(config) == []


def test_a_poll_past_its_deadline_fails_alone(server: LoopbackServer, tmp_path: Path) -> None:
    never = threading.Event()
    server.route("/hangs", Reply(body=atom_feed(("h1", "x")), headers=ATOM, hold=never))
    server.route("/ok", Reply(body=atom_feed(("k1", "Calcot concert")), headers=ATOM))
    config = load(
        write_config(
            tmp_path,
            storage_url=url_of(tmp_path),
            sources={
                "hangs": {"type": "feed", "url": f"{server.url}/hangs", "timeout": "1s"},
                "ok": {"type": "feed", "url": f"{server.url}/ok"},
            },
        )
    )
    report = scan_with({}, config)
    never.set()
    outcomes = {o.name: o for o in report.outcomes}
    assert outcomes["hangs"].status == "failed"
    assert outcomes["hangs"].error == "the poll took longer than its timeout (1s)"
    assert outcomes["ok"].status == "ok" and outcomes["ok"].new == 1


# ---- what is scored ---------------------------------------------------------------------------


def test_the_headline_is_scored_with_the_text() -> None:
    item = Item(
        "x",
        "entry",
        "The school said it is cooperating with the local authority.",
        title="Calcot Infant School teacher arrested over abuse allegations",
    )
    assert scoring_text(item).startswith("Calcot Infant School teacher arrested")
    untitled = Item("y", "entry", "Same words", title="Same words")
    assert scoring_text(untitled) == "Same words"


def test_poll_intervals_are_jittered_within_five_percent() -> None:
    from monitor.scan.pacing import jittered

    hour = timedelta(hours=1)
    spreads = {jittered(hour) for _ in range(50)}
    assert len(spreads) > 1  # not the same every time
    assert all(abs(value - hour) <= timedelta(minutes=2) for value in spreads)
    assert all(
        abs(jittered(timedelta(minutes=10)) - timedelta(minutes=10)) <= timedelta(seconds=30)
        for _ in range(50)
    )
