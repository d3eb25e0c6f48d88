"""The scan pipeline end to end: loopback feeds in, a real database out."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import Field

from monitor.config.settings import Config, load
from monitor.model import FetchResult, Item, Mention, SourceState
from monitor.scan.scanner import ScanReport, run_scan
from sources.base import SourceConfig, register, unregister
from sources.http import PoliteClient
from storage import mention_reading, scan_runs, source_state
from storage.database import Store
from storage.errors import UnknownSourceError
from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply, Request

ATOM = {"Content-Type": "application/atom+xml"}


def scan(config: Config, **options: object) -> ScanReport:
    store = Store.open(config.storage.url)
    try:

        async def go() -> ScanReport:
            async with PoliteClient(contact="t@example.org", timeout=5, backoff=0.01) as http:
                return await run_scan(config, store, http, **options)  # type: ignore[arg-type]

        return asyncio.run(go())
    finally:
        store.close()


def stored(config: Config, source: str | None = None) -> list[Mention]:
    store = Store.open(config.storage.url)
    try:
        with store.transaction() as tx:
            return mention_reading.list_mentions(tx, source=source)
    finally:
        store.close()


def atom(*entries: tuple[str, str]) -> bytes:
    """An Atom feed of (id, text) entries."""
    body = "".join(
        f"<entry><id>{entry_id}</id><title>{text[:30]}</title>"
        f'<link href="https://news.example.org/{entry_id}"/>'
        f"<updated>2026-11-2{index}T10:00:00Z</updated><content>{text}</content></entry>"
        for index, (entry_id, text) in enumerate(entries)
    )
    return (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        f"<id>urn:t</id><updated>2026-11-20T00:00:00Z</updated>{body}</feed>"
    ).encode()


@pytest.fixture
def alerts(server: LoopbackServer) -> LoopbackServer:
    server.route("/alerts.xml", Reply.fixture("feed/google_alerts.xml", "application/atom+xml"))
    server.route("/news.rss", Reply.fixture("feed/rss2.xml", "application/rss+xml"))
    server.route("/down", Reply(status=500, body=b"down"))
    return server


def test_an_unknown_source_is_the_one_unknown_source_error(
    alerts: LoopbackServer, sqlite_url: str, tmp_path: Path
) -> None:
    sources = {"alerts": {"type": "feed", "url": f"{alerts.url}/alerts.xml"}}
    config = load(write_config(tmp_path, storage_url=sqlite_url, sources=sources))
    # `--source` naming nothing configured, and a state row asked for that is not there: one
    # error type, which the command line turns into a usage error (exit 2).
    with pytest.raises(UnknownSourceError, match="no source named nope"):
        scan(config, only=["nope"])
    with Store.open(sqlite_url) as store, store.transaction() as tx:
        with pytest.raises(UnknownSourceError, match="no state for source 'nope'"):
            source_state.locked_row(tx, "nope")


def test_scan_twice_stores_each_mention_once(
    alerts: LoopbackServer, database_url: str, tmp_path: Path
) -> None:
    config = load(
        write_config(
            tmp_path,
            storage_url=database_url,
            sources={"alerts": {"type": "feed", "url": f"{alerts.url}/alerts.xml"}},
        )
    )
    first = scan(config)
    assert [(o.name, o.status, o.new, o.baseline) for o in first.outcomes] == [
        ("alerts", "ok", 3, True)
    ]
    second = scan(config)
    assert [(o.status, o.fetched, o.new, o.updated) for o in second.outcomes] == [("ok", 3, 0, 0)]
    found = stored(config)
    assert len(found) == 3
    assert all(mention.baseline for mention in found)
    protest = next(m for m in found if "protest" in (m.title or ""))
    assert protest.sentiment is not None and protest.sentiment.compound < 0
    assert protest.url == "https://www.readingchronicle.co.uk/news/2026/11/20/uniform-row/"


def test_a_failing_source_does_not_stop_the_others(
    alerts: LoopbackServer, sqlite_url: str, tmp_path: Path
) -> None:
    config = load(
        write_config(
            tmp_path,
            storage_url=sqlite_url,
            sources={
                "down": {"type": "feed", "url": f"{alerts.url}/down"},
                "news": {"type": "feed", "url": f"{alerts.url}/news.rss"},
            },
        )
    )
    report = scan(config)
    outcomes = {outcome.name: outcome for outcome in report.outcomes}
    assert report.failed
    assert outcomes["down"].status == "failed"
    assert outcomes["down"].error == (
        "127.0.0.1/down: HTTP 500 Internal Server Error (after 3 attempts)"
    )
    assert outcomes["news"].status == "ok" and outcomes["news"].new == 3
    assert len(stored(config, "news")) == 3
    store = Store.open(config.storage.url)
    with store.transaction() as tx:
        rows = source_state.statuses(tx)
        runs = scan_runs.latest(tx)
    store.close()
    assert rows["down"].health == "failing" and rows["down"].consecutive_failures == 1
    assert rows["down"].last_success_at is None
    assert rows["news"].health == "ok" and rows["news"].last_error is None
    assert runs[0].outcomes["down"]["status"] == "failed"
    assert runs[0].outcomes["news"]["new"] == 3


def test_new_and_edited_entries_after_the_baseline(
    server: LoopbackServer, sqlite_url: str, tmp_path: Path
) -> None:
    server.route(
        "/feed",
        Reply(body=atom(("a", "Calcot fete was lovely")), headers=ATOM),
        Reply(
            body=atom(("a", "Calcot fete was awful and badly run"), ("b", "Calcot new head")),
            headers=ATOM,
        ),
    )
    config = load(
        write_config(
            tmp_path,
            storage_url=sqlite_url,
            sources={"f": {"type": "feed", "url": f"{server.url}/feed"}},
        )
    )
    assert scan(config).outcomes[0].baseline
    second = scan(config).outcomes[0]
    assert (second.new, second.updated, second.baseline) == (1, 1, False)
    by_id = {mention.external_id: mention for mention in stored(config)}
    assert by_id["a"].version == 2 and "awful" in by_id["a"].text
    assert "negative" in by_id["a"].labels
    # Both were seen live: b is new, and a's edit is news even though a was first seen in the
    # baseline, so neither is marked baseline any more.
    assert not by_id["b"].baseline and not by_id["a"].baseline


def test_dry_run_stores_nothing(alerts: LoopbackServer, sqlite_url: str, tmp_path: Path) -> None:
    config = load(
        write_config(
            tmp_path,
            storage_url=sqlite_url,
            sources={"alerts": {"type": "feed", "url": f"{alerts.url}/alerts.xml"}},
        )
    )
    report = scan(config, dry_run=True)
    assert report.outcomes[0].new == 3 and report.run_id is None
    assert stored(config) == []


def test_retry_after_keeps_the_source_unasked_until_then(
    server: LoopbackServer, sqlite_url: str, tmp_path: Path
) -> None:
    server.route("/limited", Reply(status=429, headers={"Retry-After": "3600"}))
    config = load(
        write_config(
            tmp_path,
            storage_url=sqlite_url,
            sources={"limited": {"type": "feed", "url": f"{server.url}/limited"}},
        )
    )
    first = scan(config).outcomes[0]
    assert first.status == "rate_limited" and first.retry_at is not None
    assert timedelta(minutes=59) < first.retry_at - datetime.now(UTC) <= timedelta(hours=1)
    second = scan(config).outcomes[0]
    assert second.status == "rate_limited"
    assert "asked us to wait until" in (second.error or "")
    assert len(server.requests_to("/limited")) == 1


def test_first_poll_that_fails_leaves_the_baseline_for_the_next_success(
    server: LoopbackServer, sqlite_url: str, tmp_path: Path
) -> None:
    server.route("/flaky", Reply(status=404), Reply(body=atom(("x", "Calcot news")), headers=ATOM))
    config = load(
        write_config(
            tmp_path,
            storage_url=sqlite_url,
            sources={"f": {"type": "feed", "url": f"{server.url}/flaky"}},
        )
    )
    assert scan(config).outcomes[0].status == "failed"
    assert scan(config).outcomes[0].baseline


def test_two_scans_at_once_never_store_a_duplicate(
    server: LoopbackServer, database_url: str, tmp_path: Path
) -> None:
    entries = [(f"id-{n}", f"Calcot story number {n}") for n in range(200)]
    # The first scan's request is answered only once the second scan has finished, so the
    # first holds the source's lease all the while the second runs.
    second_done = threading.Event()
    server.route("/feed", Reply(body=atom(*entries), headers=ATOM, hold=second_done))
    config = load(
        write_config(
            tmp_path,
            storage_url=database_url,
            sources={"f": {"type": "feed", "url": f"{server.url}/feed"}},
        )
    )
    Store.open(config.storage.url).close()  # migrate once, before the race
    first_polling = threading.Event()
    server.on_request = lambda request: first_polling.set()
    reports: list[ScanReport] = []
    first = threading.Thread(target=lambda: reports.append(scan(config)))
    first.start()
    try:
        assert first_polling.wait(60)
        second = scan(config)
    finally:
        second_done.set()
        first.join()
    [first_report] = reports
    assert [(o.status, o.new) for o in first_report.outcomes] == [("ok", 200)]
    assert [(o.status, o.new) for o in second.outcomes] == [("locked", 0)]
    assert len(server.requests_to("/feed")) == 1  # the second scan never asked
    assert len(stored(config)) == 200


@pytest.mark.parametrize("killed", ["before_its_commit", "after_its_commit"])
def test_a_scan_killed_midway_leaves_a_sound_database_and_a_rerun_completes(
    server: LoopbackServer, tmp_path: Path, killed: str
) -> None:
    """Killed while one source's poll waits to be stored, or once it is stored, with another
    source still in flight: the database is sound, holds all of the poll or none of it, and
    the next scan takes over the dead scan's leases and completes."""
    database = tmp_path / "monitor.db"
    entries = [(f"id-{n}", f"Calcot story {n}: parents were pleased") for n in range(3000)]
    server.route("/quick", Reply(body=atom(*entries), headers=ATOM))
    # The slow source is still in flight when the process dies.
    server.route("/slow", Reply(body=atom(("s1", "Calcot slow news")), headers=ATOM, delay=30))
    config_path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{database}",
        sources={
            "quick": {"type": "feed", "url": f"{server.url}/quick"},
            "slow": {"type": "feed", "url": f"{server.url}/slow"},
        },
    )
    requested = {"/quick": threading.Event(), "/slow": threading.Event()}
    writers: list[sqlite3.Connection] = []

    def on_request(request: Request) -> None:
        if request.path == "/quick" and killed == "before_its_commit":
            # The scan has claimed its sources; from now on it cannot write until we let it.
            writer = sqlite3.connect(
                database, timeout=30, isolation_level=None, check_same_thread=False
            )
            writer.execute("BEGIN IMMEDIATE")
            writers.append(writer)
        if request.path in requested:
            requested[request.path].set()

    server.on_request = on_request
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config_path), "scan"],
        stdout=subprocess.DEVNULL,
    )
    try:
        assert requested["/quick"].wait(60) and requested["/slow"].wait(60)
        if killed == "after_its_commit":
            wait_for(lambda: polled(database, "quick"))
    finally:
        process.kill()
        process.wait()
    for writer in writers:
        writer.rollback()
        writer.close()

    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        [(quick,)] = connection.execute("SELECT count(*) FROM mention WHERE source = 'quick'")
    assert quick == {"before_its_commit": 0, "after_its_commit": 3000}[killed]
    assert not polled(database, "slow")

    server.on_request = None
    server.route("/slow", Reply(body=atom(("s1", "Calcot slow news")), headers=ATOM))
    config = load(config_path)
    report = scan(config)
    assert {outcome.name: outcome.status for outcome in report.outcomes} == {
        "quick": "ok",
        "slow": "ok",
    }
    assert len(stored(config, "quick")) == 3000
    assert len(stored(config, "slow")) == 1


def polled(database: Path, source: str) -> bool:
    """Whether `source`'s last successful poll is stored (read as another process would)."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        row = connection.execute(
            "SELECT last_success_at FROM source_state WHERE name = ?", (source,)
        ).fetchone()
    return row is not None and row[0] is not None


def wait_for(condition: Callable[[], bool], limit: float = 60) -> None:
    """Return once `condition()` holds; fail if it never does within `limit` seconds."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.05)


class ScriptedConfig(SourceConfig):
    """A test source whose items are named in its config."""

    history: list[str] = Field(default_factory=list)
    live: list[str] = Field(default_factory=list)


async def fetch_scripted(
    http: PoliteClient, config: ScriptedConfig, state: SourceState
) -> FetchResult:
    items = [
        Item(external_id=i, item_type="entry", text=f"Calcot {i}", baseline=True)
        for i in config.history
    ]
    items += [Item(external_id=i, item_type="entry", text=f"Calcot {i}") for i in config.live]
    return FetchResult(items)


@pytest.fixture
def scripted() -> Iterator[None]:
    register("scripted", ScriptedConfig)(fetch_scripted)
    yield
    unregister("scripted")


def test_history_an_adapter_marks_as_baseline_is_never_live(
    scripted: None, sqlite_url: str, tmp_path: Path
) -> None:
    """A page newly added to a source that polled before brings history, not news."""
    first = load(
        write_config(
            tmp_path, storage_url=sqlite_url, sources={"s": {"type": "scripted", "live": ["a"]}}
        )
    )
    scan(first)
    later = load(
        write_config(
            tmp_path,
            storage_url=sqlite_url,
            sources={"s": {"type": "scripted", "history": ["old1", "old2"], "live": ["a", "b"]}},
        )
    )
    outcome = scan(later).outcomes[0]
    assert (outcome.new, outcome.baseline) == (3, False)
    flags = {mention.external_id: mention.baseline for mention in stored(later)}
    assert flags == {"a": True, "old1": True, "old2": True, "b": False}
