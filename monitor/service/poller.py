"""Per-source scheduling: each source polled when it is due, as its own unit of work.

    Poller(config, store, http, clock).run(stop)      the daemon's polling, until `stop` is set

Every `claim_every` the poller claims the sources that are due, up to its free places
(`concurrency`), in one short transaction (storage.schedule.claim_due: `FOR UPDATE SKIP LOCKED`
on PostgreSQL, so any number of workers on any number of machines take different sources). A
round that filled every place may have left due sources behind: the next one then starts as
soon as half the places are free again. A finished poll alone starts no round (at 44 polls a
second that was a claim per poll): what falls due meanwhile waits for the next, a second at
most. Each claimed source is polled as its own task (monitor.scan.scanner's guarded unit: no
transaction is open during the fetch, every write is fenced on the lease, the lease renewed
while the poll runs), so a slow source delays no other and an interval of a few seconds is
honoured to within a claim round. Polls that are done are settled in batches
(`settle_every`): healthy idle states written in one transaction of two statements whatever
their number, health alerts for sources whose health may have changed, one scan_run row for
the batch.

Due times live in source_state.next_due_at: spread over each source's interval on first start
(storage.schedule.first_due), kept across restarts. Leases are short (`lease`) and renewed, so
a worker that dies leaves its sources to the others within a minute.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from monitor.config.settings import Config
from monitor.model import Trigger
from monitor.scan.claims import Claim, claim_of
from monitor.scan.ingest import AlertHook
from monitor.scan.leases import lease_owner
from monitor.scan.pacing import jitter
from monitor.scan.report import ScanReport, one_line
from monitor.scan.scanner import Clock, Polled, Scanner
from sources.base import SourceConfig
from sources.http import PoliteClient
from storage import schedule, source_state, workers
from storage.database import Store
from storage.schedule import Planned
from storage.source_state import SourceStateRow

log = logging.getLogger(__name__)

OnSettled = Callable[[ScanReport], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PollerTiming:
    """How hard one worker polls, and how often it talks to the database."""

    concurrency: int = 16  # polls in flight in this worker at once
    lease: timedelta = timedelta(seconds=30)  # renewed every third of it while a poll runs
    claim_every: float = 1.0  # seconds between claim rounds while nothing frees a place
    settle_every: float = 2.0  # finished polls are written at least this often
    settle_batch: int = 500  # ... or as soon as this many are waiting
    beat_every: float = 5.0  # the worker row's heartbeat (`monitor status`)
    threads: int = 8  # database and scoring threads (each may hold a database connection)
    stop_within: float = 15.0  # seconds polls in flight get to finish after SIGTERM


@dataclass
class Batch:
    """Polls finished since the last settle."""

    started: datetime
    polled: list[Polled] = field(default_factory=list)


class Poller:
    """One worker's polling: claims due sources, polls each as a task, settles in batches."""

    def __init__(
        self,
        config: Config,
        store: Store,
        http: PoliteClient,
        clock: Clock,
        *,
        timing: PollerTiming | None = None,
        on_alerts: AlertHook | None = None,
        on_settled: OnSettled | None = None,
        owner: str | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.timing = timing or PollerTiming()
        self.owner = owner or lease_owner()
        self.on_settled = on_settled
        self.sources = {name: source for name, source in config.sources.items() if source.enabled}
        self.scanner = Scanner(
            config,
            store,
            http,
            clock,
            trigger=Trigger.SCHEDULED,
            due_only=True,
            owner=self.owner,
            lease=self.timing.lease,
            on_alerts=on_alerts,
        )
        self.in_flight: dict[str, asyncio.Task[None]] = {}
        self.batch = Batch(clock())
        self.freed = asyncio.Event()  # places freed while due sources may be waiting for one
        self.saturated = False  # the last claim round filled every place
        # A saturated worker claims again once this many places are free, not after every poll.
        self.refill = max(1, self.timing.concurrency // 2)
        self.progress = time.monotonic()  # the last claim round or finished poll: the watchdog
        self.polls = 0
        self.started_at = clock()
        self._settle_lock = asyncio.Lock()
        self._last_settle = time.monotonic()
        self._last_beat = 0.0
        self._strangers: set[str] = set()

    # ---- the loop ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Bring the stored schedule in line with the config; say so if SQLite is shared."""
        self.scanner.use_threads(self.timing.threads)
        await asyncio.to_thread(self._sync)
        others = await asyncio.to_thread(self._beat)
        if others and self.store.engine.dialect.name == "sqlite":
            log.warning(
                "another daemon works on this SQLite database (%s): they share it safely, one "
                "writer at a time, but one daemon per SQLite file is the supported set-up; "
                "for several workers use PostgreSQL (docs/operations.md)",
                ", ".join(others),
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Poll due sources until `stop` is set; then let polls in flight finish, briefly."""
        await self.start()
        try:
            while not stop.is_set():
                self.freed.clear()
                # Every free place filled: more may be due, so claim again once a few places
                # are free (`_poll`). Otherwise everything due was claimed, and what falls due
                # meanwhile waits for the next round: a finished poll alone wakes nothing.
                self.saturated = await self.round()
                if self.saturated and self.free_places() >= self.refill:
                    continue  # polls ended during the round itself
                await wait_first(stop, self.freed, self.timing.claim_every)
        finally:
            await self.finish()

    async def round(self, *, settle: bool = True) -> bool:
        """One claim round, a settle and a heartbeat if due; True when every free place was
        filled (or none was free), so due sources may be left for the next."""
        free = self.free_places()
        claimed = await self.claim(free) if free > 0 else []
        if free > 0:
            self.progress = time.monotonic()
        for claim in claimed:
            self.in_flight[claim.name] = asyncio.create_task(
                self._poll(claim), name=f"poll {claim.name}"
            )
        now = time.monotonic()
        if settle and (
            now - self._last_settle >= self.timing.settle_every
            or len(self.batch.polled) >= self.timing.settle_batch
        ):
            await self.settle()
        if now - self._last_beat >= self.timing.beat_every:
            await asyncio.to_thread(self._beat)
        return len(claimed) >= free

    async def run_due(self) -> ScanReport:
        """Poll every source due now to the end and settle them all (one pass, as a tick)."""
        await self.start()
        try:
            await self.round(settle=False)
            while self.in_flight:
                await asyncio.wait(list(self.in_flight.values()), return_when="FIRST_COMPLETED")
                await self.round(settle=False)
            return await self.settle()
        finally:
            self.scanner.close()

    async def finish(self) -> None:
        """Stop: polls in flight get `stop_within`, the rest are abandoned; settle what ended."""
        tasks = list(self.in_flight.values())
        if tasks:
            log.info("stopping: waiting for %d poll(s) in flight", len(tasks))
            _, pending = await asyncio.wait(tasks, timeout=self.timing.stop_within)
            for task in pending:
                log.warning(
                    "source %s: abandoned at shutdown", task.get_name().removeprefix("poll ")
                )
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)
        try:
            await self.settle()
            await asyncio.to_thread(self._leave)
        finally:
            self.scanner.close()

    # ---- claims and polls ---------------------------------------------------------------------

    async def claim(self, limit: int) -> list[Claim]:
        """Lease up to `limit` due sources to this worker; their claims."""
        try:
            rows, now = await asyncio.to_thread(self._claim, limit)
        except Exception as error:  # the database is away: try again next round
            log.error("could not claim due sources: %s", one_line(error))
            return []
        claims = []
        for row in rows:
            source = self.sources.get(row.name)
            if source is None:
                await asyncio.to_thread(self._give_back, row)
                continue
            lag = max((now - row.next_due_at).total_seconds(), 0.0) if row.next_due_at else 0.0
            claim = claim_of(row.name, source, row)
            claims.append(replace(claim, lag=lag, host=row.host_slot))
        return claims

    def _claim(self, limit: int) -> tuple[list[SourceStateRow], datetime]:
        now = self.clock()
        with self.store.transaction() as tx:
            rows = schedule.claim_due(tx, self.owner, now, now + self.timing.lease, limit)
        return rows, now

    def _give_back(self, row: SourceStateRow) -> None:
        """A claimed source this worker's config does not poll (workers' configs differ)."""
        if row.name not in self._strangers:
            self._strangers.add(row.name)
            log.warning(
                "source %s is scheduled in the database but not enabled in this worker's config;"
                " every worker should run the same config",
                row.name,
            )
        with self.store.transaction() as tx:
            source_state.release_lease(tx, row.name, self.owner)
            if row.host_slot is not None:
                schedule.release_host(tx, row.host_slot, self.owner, self.clock())

    async def _poll(self, claim: Claim) -> None:
        try:
            polled = await self.scanner.poll_source(claim)
        finally:
            self.in_flight.pop(claim.name, None)
            if self.saturated and self.free_places() >= self.refill:
                self.freed.set()
        self.progress = time.monotonic()
        self.polls += 1
        self.batch.polled.append(polled)  # no await since the poll returned: never a stale batch

    def free_places(self) -> int:
        """How many more polls this worker may start now."""
        return self.timing.concurrency - len(self.in_flight)

    async def settle(self) -> ScanReport:
        """Write the batch of finished polls (idle states, health alerts, a scan_run row)."""
        async with self._settle_lock:
            batch, self.batch = self.batch, Batch(self.clock())
            self._last_settle = time.monotonic()
            if not batch.polled:
                return ScanReport(None, batch.started, batch.started)
            report = await self.scanner.settle(batch.polled, batch.started)
        if self.on_settled is not None:
            try:
                await self.on_settled(report)
            except Exception:
                log.exception("after the polls: failed")
        return report

    # ---- bookkeeping ------------------------------------------------------------------------

    def plan(self) -> list[Planned]:
        """Every configured source as the schedule stores it."""
        return [planned(name, source) for name, source in self.config.sources.items()]

    def _sync(self) -> None:
        with self.store.transaction() as tx:
            schedule.sync(tx, self.plan(), self.clock())

    def _beat(self) -> list[str]:
        """Say this worker is alive; the other workers seen lately."""
        self._last_beat = time.monotonic()
        now = self.clock()
        try:
            with self.store.transaction() as tx:
                workers.beat(
                    tx,
                    self.owner,
                    socket.gethostname(),
                    os.getpid(),
                    self.started_at,
                    now,
                    self.polls,
                )
                seen = workers.live(tx, now - timedelta(seconds=3 * self.timing.beat_every))
        except Exception as error:
            log.warning("could not record this worker's heartbeat: %s", one_line(error))
            return []
        return [row.id for row in seen if row.id != self.owner]

    def _leave(self) -> None:
        with self.store.transaction() as tx:
            workers.leave(tx, self.owner, self.clock() - timedelta(days=1))


def planned(name: str, source: SourceConfig) -> Planned:
    """How the schedule stores a configured source."""
    share = source.shared_host()
    return Planned(
        name,
        source.type,
        source.interval,
        scheduled=source.enabled,
        host=share.host if share is not None else None,
        jitter=jitter(source.interval),
    )


async def wait_first(stop: asyncio.Event, freed: asyncio.Event, timeout: float) -> None:
    """Return when `stop` or `freed` is set, or after `timeout` seconds."""
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(freed.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when="FIRST_COMPLETED")
    finally:
        for waiter in waiters:
            waiter.cancel()
