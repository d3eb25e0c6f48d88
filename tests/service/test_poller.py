"""The poller's claim rounds: how often one worker asks the database for due sources.

A real poller (`build_poller`) over loopback feeds and a real database (SQLite, then PostgreSQL),
on the real clock. The claim query is counted by listening to the engine's statements, the way
any SQLAlchemy user watches what reaches the database; nothing of ours is patched. Every wait is
bounded, and no assertion is about time beyond bounds a correct poller always meets.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from monitor.config.settings import Config, load
from monitor.service.poller import Poller, PollerTiming
from monitor.service.wiring import MailFunctions, build_poller, no_mail, no_queue
from sources.http import PoliteClient
from storage.database import Store
from storage.schema import source_state
from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply

NO_MAIL = MailFunctions(no_mail, no_mail, no_queue)
ATOM = "application/atom+xml"
BOUND = 30.0  # seconds any wait here may take before the test fails


def feeds_config(server: LoopbackServer, tmp_path: Path, url: str, count: int) -> Config:
    for n in range(count):
        server.route(f"/feed{n}.xml", Reply.fixture("feed/atom.xml", ATOM))
    return load(
        write_config(
            tmp_path,
            storage_url=url,
            sources={
                f"feed{n}": {"type": "feed", "url": f"{server.url}/feed{n}.xml", "interval": "1h"}
                for n in range(count)
            },
        )
    )


class ClaimCounter:
    """Counts the claim queries (due rows, most overdue first) an engine runs."""

    def __init__(self, engine: sa.Engine) -> None:
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, *args: Any) -> None:
        statement = args[2]
        if statement.startswith("SELECT") and "ORDER BY source_state.next_due_at" in statement:
            self.count += 1


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def run_poller(
    config: Config,
    timing: PollerTiming,
    body: Callable[[Poller, Store, ClaimCounter], Any],
) -> None:
    """Run the poller with `timing` while `body(poller, store, claims)` runs, then stop it."""

    async def go() -> None:
        with Store.open(config.storage.url) as store:
            claims = ClaimCounter(store.engine)
            async with PoliteClient(contact="t@example.org", timeout=5, backoff=0.01) as http:
                poller = build_poller(
                    config, store, http, lambda: datetime.now(UTC), NO_MAIL, timing
                )
                stop = asyncio.Event()
                running = asyncio.create_task(poller.run(stop))
                try:
                    await body(poller, store, claims)
                finally:
                    stop.set()
                    await asyncio.wait_for(running, BOUND)

    asyncio.run(go())


def test_finished_polls_start_no_claim_round_while_places_are_free(
    server: LoopbackServer, tmp_path: Path, database_url: str
) -> None:
    """Everything due was claimed at once: polls ending free places, but nothing new is due
    before the next round, so the worker does not ask again (once per poll, it used to)."""
    config = feeds_config(server, tmp_path, database_url, 6)
    timing = PollerTiming(concurrency=16, claim_every=BOUND * 2)

    async def body(poller: Poller, store: Store, claims: ClaimCounter) -> None:
        await until(lambda: poller.polls == 6, "every feed polled once")
        assert claims.count == 1

    run_poller(config, timing, body)
    assert len(server.requests) == 6


def test_a_worker_with_every_place_taken_claims_again_as_places_free(
    server: LoopbackServer, tmp_path: Path, database_url: str
) -> None:
    """More sources due than places: the rest are claimed as polls end, not a round later."""
    config = feeds_config(server, tmp_path, database_url, 9)
    timing = PollerTiming(concurrency=2, claim_every=BOUND * 2)

    async def body(poller: Poller, store: Store, claims: ClaimCounter) -> None:
        await until(lambda: poller.polls == 9, "all nine feeds polled with two places")

    run_poller(config, timing, body)
    assert sorted(request.path for request in server.requests) == [
        f"/feed{n}.xml" for n in range(9)
    ]


def test_a_source_made_due_while_the_worker_waits_is_polled_at_the_next_round(
    server: LoopbackServer, tmp_path: Path, database_url: str
) -> None:
    """`monitor scan`, another worker or a config change may move a due time to now: the
    sleeping worker picks it up within a claim round (`claim_every`, a second by default)."""
    config = feeds_config(server, tmp_path, database_url, 2)
    timing = PollerTiming()

    async def body(poller: Poller, store: Store, claims: ClaimCounter) -> None:
        await until(lambda: poller.polls == 2, "both feeds polled once")
        with store.transaction() as tx:  # as another process would: in the database only
            tx.connection.execute(
                sa.update(source_state)
                .where(source_state.c.name == "feed1")
                .values(next_due_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        await until(lambda: poller.polls == 3, "feed1 polled again")

    run_poller(config, timing, body)
    assert [request.path for request in server.requests].count("/feed1.xml") == 2
