"""One pass over the sources, as named stages; each source's whole life is one guarded unit.

    claim     one transaction for every selected source: rows ensured, due and unblocked sources
              leased (a dead local holder's lease taken over)
    fetch     the adapter, under the source's `timeout` (whole poll) while LeaseKeeper renews
              the lease; a lost lease cancels the poll
    diff      new or changed items, by a hash of every stored field (a read-only transaction)
    attribute the schools each item is about (monitor.scan.attribution)
    score     sentiment and tone over title and text together (a thread: CPU work)
    evaluate  monitor.judgement.rules: labels and alert drafts, pure
    commit    ONE transaction, fenced on the lease owner: mentions (+ versions), alerts, outbox
              rows, rating snapshot, new state, lease released. A healthy idle poll (nothing new)
              has no transaction of its own: its state is written with the others' at the end.

Anything a source's unit raises (an adapter bug, bad data refused by the database, a storage
error, an overrun deadline) becomes that source's recorded failure with one readable line; the
other sources go on, and the scan_run row is always finished. Database work and CPU-bound work
run in threads, so the event loop keeps every source's requests moving.
The first successful poll of a source is its baseline: stored, never alerted.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from monitor.config.secrets import redact
from monitor.config.settings import Config
from monitor.config.units import format_duration
from monitor.judgement.health import raise_health_alerts
from monitor.judgement.rules import RuleContext
from monitor.model import (
    Alert,
    FetchResult,
    Item,
    ScanStatus,
    Trigger,
)
from monitor.scan.claims import Claim, Claimer
from monitor.scan.ingest import AlertHook, Ingest, Scored
from monitor.scan.leases import LeaseKeeper, lease_owner
from monitor.scan.pacing import failure_backoff, jittered
from monitor.scan.poll import Committed, PollProgress, dry_run_counts, ok_outcome
from monitor.scan.report import ScanReport, SourceOutcome, internal_error, one_line, skipped_note
from monitor.scan.runs import record_finish, record_start
from sources.base import SourceConfig, adapter_for
from sources.errors import SourceError, SourceRateLimitedError, SourceUnavailableError
from sources.http import PoliteClient
from storage import mentions, ratings, schedule, source_state
from storage.database import Store, Transaction
from storage.errors import UnknownSourceError
from storage.safe_text import safe_item
from storage.source_state import IdleSuccess, LeaseLostError, Recorded

log = logging.getLogger(__name__)

__all__ = ["ScanReport", "Scanner", "SourceOutcome", "UnknownSourceError", "run_scan"]

LEASE = timedelta(minutes=15)  # renewed every third of it while a poll runs
FAILURE_BACKOFF_CAP = timedelta(hours=6)
MAX_BACKOFF_DOUBLINGS = 16
MAX_THREADS = 32
MAX_JITTER = timedelta(minutes=2)

T = TypeVar("T")  # 2**16 intervals is past any cap: the exponent never overflows


Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Polled:
    """One source's poll: its outcome, and a healthy idle poll's state still to be written."""

    outcome: SourceOutcome
    idle: tuple[Claim, FetchResult] | None = None


@dataclass
class Scanner:
    """Everything one scan needs; `run` does the pass."""

    config: Config
    store: Store
    http: PoliteClient
    clock: Clock = utc_now
    dry_run: bool = False
    force_baseline: bool = False
    trigger: Trigger = Trigger.MANUAL
    due_only: bool = False  # the daemon polls a source only when its interval has passed
    on_progress: Callable[[SourceOutcome], None] | None = None
    owner: str = field(default_factory=lease_owner)
    lease: timedelta = LEASE
    # Called in the commit transaction with the alerts it raised (the mail outbox hooks in here).
    on_alerts: AlertHook | None = None

    def __post_init__(self) -> None:
        self.ingest = Ingest(self.config, self.on_alerts)
        self.on_alerts = self.ingest.on_alerts  # the mail outbox unless the caller chose
        self._context: RuleContext | None = None
        self._threads = ThreadPoolExecutor(max_workers=1)
        self._new_alerts: list[Alert] = []

    def use_threads(self, count: int) -> None:
        """Give the scan `count` threads of its own for database and CPU work (the daemon's)."""
        self._threads.shutdown(wait=False)
        self._threads = ThreadPoolExecutor(max_workers=count, thread_name_prefix="scan")

    def close(self) -> None:
        """Let the scan's threads go (those still running finish on their own)."""
        self._threads.shutdown(wait=False)

    async def run(self, only: Sequence[str] = ()) -> ScanReport:
        """Scan the enabled sources (or only those named) and record the pass."""
        selected = self._select(only)
        started = self.clock()
        # Our own threads: commits waiting for SQLite's write lock must not take every thread of
        # the loop's default pool from the other sources' reads and scoring.
        self._threads = ThreadPoolExecutor(
            max_workers=min(MAX_THREADS, len(selected) + 4), thread_name_prefix="scan"
        )
        try:
            return await self._run(selected, started)
        finally:
            self._threads.shutdown(wait=False)

    async def _run(self, selected: dict[str, SourceConfig], started: datetime) -> ScanReport:
        trigger = str(self.trigger)
        run_id = (
            None
            if self.dry_run
            else await self._in_thread(record_start, self.store, trigger, started)
        )
        outcomes: list[SourceOutcome] = []
        try:
            claims, skipped = await self._in_thread(self._claim_all, selected, started)
            outcomes.extend(skipped)
            polled = await asyncio.gather(*(self.poll_source(claim) for claim in claims))
            outcomes.extend(await self._flush_idle(list(polled)))
            if not self.dry_run:
                await self._in_thread(self._raise_health_alerts, outcomes, None)
        finally:
            finished = self.clock()
            if run_id is not None:
                await self._in_thread(record_finish, self.store, run_id, finished, outcomes)
        order = list(selected)
        outcomes.sort(key=lambda outcome: order.index(outcome.name))
        return ScanReport(run_id, started, finished, outcomes, list(self._new_alerts))

    async def settle(self, polled: Sequence[Polled], started: datetime) -> ScanReport:
        """Finish a batch of the daemon's polls: idle states written together, health alerts of
        the sources whose health may have changed, one scan_run row for the batch."""
        outcomes = await self._flush_idle(list(polled))
        changed = [o.name for o in outcomes if o.status is not ScanStatus.OK or o.recovered]
        if changed:
            await self._in_thread(self._raise_health_alerts, outcomes, changed)
        finished = self.clock()
        trigger = str(self.trigger)
        try:
            run_id = await self._in_thread(record_start, self.store, trigger, started)
            await self._in_thread(record_finish, self.store, run_id, finished, outcomes)
        except Exception as error:  # the polls' own results are stored: only the log is lost
            log.error("could not record the polls' outcomes: %s", one_line(error))
            run_id = None
        alerts, self._new_alerts = self._new_alerts, []
        self._context = None  # the next batch reads the mention volume afresh
        return ScanReport(run_id, started, finished, outcomes, alerts)

    async def _in_thread(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in one of the scan's threads, the loop free meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, functools.partial(function, *args))

    def _select(self, only: Sequence[str]) -> dict[str, SourceConfig]:
        unknown = [name for name in only if name not in self.config.sources]
        if unknown:
            raise UnknownSourceError(
                f"no source named {', '.join(unknown)}; configured: "
                + ", ".join(self.config.sources)
            )
        if only:
            # Naming a source polls it even when disabled: that is how one tries it out.
            return {name: self.config.sources[name] for name in dict.fromkeys(only)}
        return {name: source for name, source in self.config.sources.items() if source.enabled}

    # ---- claim ----------------------------------------------------------------------------

    def _claim_all(
        self, selected: Mapping[str, SourceConfig], now: datetime
    ) -> tuple[list[Claim], list[SourceOutcome]]:
        """Lease every selected source that may be polled now, in one transaction."""
        claimer = Claimer(self.store, self.owner, self.lease, due_only=self.due_only)
        if self.dry_run:
            return claimer.peek(selected), []
        return claimer.claim(selected, now)

    # ---- one source, guarded ----------------------------------------------------------------

    async def poll_source(self, claim: Claim) -> Polled:
        """The guarded unit: whatever goes wrong becomes this source's recorded failure.

        A healthy idle poll's state is handed back to be written with others' (`settle`).
        """
        progress = PollProgress(self.http.requests_made)
        idle: tuple[Claim, FetchResult] | None = None
        try:
            outcome, idle = await self._poll(claim, progress)
        except asyncio.CancelledError:
            # Abandoned (the daemon is stopping): give the lease back so the next scan need not
            # wait for it to expire. On the loop, as the loop is going away anyway.
            self._release(claim)
            raise
        except LeaseLostError as lost:  # found on renewal, or by the commit's fence
            outcome = self._lease_lost(claim, str(lost), progress)
        except SourceError as error:
            outcome = await self._fail(claim, error, progress)
        except Exception as error:  # an adapter or storage bug must not stop the others
            log.debug("source %s: %s stage raised", claim.name, progress.stage, exc_info=True)
            wrapped = SourceError(internal_error(progress.stage, claim.source.type, error))
            outcome = await self._fail(claim, wrapped, progress)
        if outcome.skipped:
            # The source stays healthy, but a person should know some of it went unread.
            log.warning("source %s: %s", claim.name, skipped_note(outcome))
        if claim.lag is not None:
            outcome = replace(outcome, lag=claim.lag)
        if self.on_progress is not None:
            self.on_progress(outcome)
        return Polled(outcome, idle)

    async def _poll(
        self, claim: Claim, progress: PollProgress
    ) -> tuple[SourceOutcome, tuple[Claim, FetchResult] | None]:
        if self.dry_run:
            scored, result = await self._fetch_and_score(claim, progress)
        else:
            keeper = LeaseKeeper(
                self.store, claim.name, self.owner, self.lease, self.clock, host=claim.host
            )
            scored, result = await keeper.run(self._fetch_and_score(claim, progress))
        baseline = self.force_baseline or claim.state.is_first_poll
        progress.stage = "commit"
        if self.dry_run:
            counts = dry_run_counts(scored)
            return ok_outcome(claim, result, progress.requests(self.http), counts, baseline), None
        if not scored and result.rating is None and claim.healthy:
            # Written with the others' in one transaction (`_flush_idle`).
            outcome = ok_outcome(claim, result, progress.requests(self.http), {}, baseline)
            return outcome, (claim, result)
        committed = await self._in_thread(self._commit, claim, result, scored, baseline)
        requests = progress.requests(self.http)
        return ok_outcome(claim, result, requests, committed.counts, baseline, committed), None

    async def _fetch_and_score(
        self, claim: Claim, progress: PollProgress
    ) -> tuple[list[Scored], FetchResult]:
        adapter = adapter_for(claim.source.type)
        timeout = claim.source.timeout
        progress.stage = "fetch"
        try:
            result = await asyncio.wait_for(
                adapter.fetch(self.http, claim.source, claim.state), timeout.total_seconds()
            )
        except TimeoutError:
            raise SourceUnavailableError(
                f"the poll took longer than its timeout ({format_duration(timeout)})"
            ) from None
        finally:
            if claim.host is not None:
                # The host is free for the next poll (any worker's) once its pause has passed.
                await self._in_thread(self._release_host, claim)
        progress.stage = "diff"
        items = [safe_item(item) for item in result.items]
        if not items:  # a 304 or an empty page: nothing to diff or score, no transaction
            return [], result
        known = await self._in_thread(self._known_hashes, claim.name, items)
        changed = [
            item for item in items if known.get(item.external_id) != mentions.content_hash(item)
        ]
        if not changed:
            return [], replace(result, items=items)
        progress.stage = "score"
        baseline = self.force_baseline or claim.state.is_first_poll
        scored = await self._in_thread(self._score, claim, changed, known, baseline)
        return scored, replace(result, items=items)

    def _known_hashes(self, name: str, items: Sequence[Item]) -> dict[str, str]:
        with self.store.transaction(read_only=True) as tx:
            return mentions.existing_hashes(tx, name, [item.external_id for item in items])

    def _score(
        self, claim: Claim, changed: Sequence[Item], known: Mapping[str, str], baseline: bool
    ) -> list[Scored]:
        # The rules read the mention volume and each edit's stored text (a reply-only edit
        # raises nothing), once per source, before scoring.
        with self.store.transaction(read_only=True) as tx:
            inputs = self.ingest.rule_inputs(
                tx, claim.name, changed, known, self.clock(), self._context
            )
        self._context = inputs.context  # the volume as the scan began: read once per scan
        return self.ingest.score(claim.name, claim.source.type, changed, known, baseline, inputs)

    # ---- commit -----------------------------------------------------------------------------

    def _commit(
        self, claim: Claim, result: FetchResult, scored: Sequence[Scored], baseline: bool
    ) -> Committed:
        """Mentions, alerts, outbox, rating and state in ONE transaction, fenced on our lease."""
        now = self.clock()
        with self.store.transaction() as tx:
            # First, fenced: LeaseLostError rolls back and nothing of this poll is written.
            recorded = self._record_success(tx, claim, result, now)
            written = self.ingest.write(tx, claim.name, claim.source.type, scored, baseline, now)
            if result.rating is not None:
                ratings.record(tx, claim.name, result.rating, now)
            source_state.release_lease(tx, claim.name, self.owner)
        self._new_alerts.extend(written.alerts)
        counts = {"new": written.new, "updated": written.updated, "negative": written.negative}
        return Committed(counts, recorded, written.alerts)

    def _release_host(self, claim: Claim) -> None:
        """Give back the host slot claimed with `claim`; a failure here is only logged (the
        slot's lease expires)."""
        assert claim.host is not None
        share = claim.source.shared_host()
        pause = share.delay if share is not None else timedelta(0)
        try:
            with self.store.transaction() as tx:
                schedule.release_host(tx, claim.host, self.owner, self.clock() + pause)
        except Exception as error:
            log.warning("host %s: slot not released: %s", claim.host, one_line(error))

    async def _flush_idle(self, polled: list[Polled]) -> list[SourceOutcome]:
        """Write the state of every healthy idle poll in one transaction."""
        outcomes = [entry.outcome for entry in polled]
        idle = [entry.idle for entry in polled if entry.idle is not None]
        if not idle:
            return outcomes
        try:
            lost = await self._in_thread(self._record_idle, idle)
        except Exception as error:
            message = f"the poll's state was not saved: {one_line(error)}"
            names = {claim.name for claim, _ in idle}
            return [
                replace(o, status=ScanStatus.FAILED, error=message) if o.name in names else o
                for o in outcomes
            ]
        return [
            replace(o, status=ScanStatus.LEASE_LOST, error="the lease expired and was taken over")
            if o.name in lost
            else o
            for o in outcomes
        ]

    def _record_success(
        self, tx: Transaction, claim: Claim, result: FetchResult, now: datetime
    ) -> Recorded:
        """The poll's new state, fenced on our lease; next due after a jittered interval."""
        return source_state.record_success(
            tx, claim.name, **new_state(claim, result, now), owner=self.owner
        )

    def _record_idle(self, idle: Sequence[tuple[Claim, FetchResult]]) -> set[str]:
        """Save every idle poll's state in one transaction; the names whose lease was lost."""
        now = self.clock()
        successes = [idle_success(claim, result, now) for claim, result in idle]
        with self.store.transaction() as tx:
            held = source_state.record_idle_successes(tx, successes, now=now, owner=self.owner)
        return {claim.name for claim, _ in idle} - held  # fenced: nothing written for those

    # ---- failure ----------------------------------------------------------------------------

    async def _fail(
        self, claim: Claim, error: SourceError, progress: PollProgress
    ) -> SourceOutcome:
        message = redact(str(error))
        retry_at = error.retry_at
        limited = isinstance(error, SourceRateLimitedError) and retry_at is not None
        status = ScanStatus.RATE_LIMITED if limited else ScanStatus.FAILED
        log.info("source %s: %s", claim.name, message)
        outcome = SourceOutcome(
            claim.name,
            claim.source.type,
            status,
            requests=progress.requests(self.http),
            error=message,
            health=error.health,
            retry_at=retry_at,
        )
        if self.dry_run:
            return outcome
        try:
            recorded = await self._in_thread(self._record_failure, claim, message, error)
        except LeaseLostError:
            return self._lease_lost(claim, "the lease expired and was taken over", progress)
        except Exception as problem:  # the database itself is failing: say so, go on
            return replace(outcome, error=f"{message} (not recorded: {one_line(problem)})")
        return replace(outcome, consecutive_failures=recorded.consecutive_failures)

    def _record_failure(self, claim: Claim, message: str, error: SourceError) -> Recorded:
        now = self.clock()
        interval = claim.source.interval
        with self.store.transaction() as tx:
            recorded = source_state.record_failure(
                tx,
                claim.name,
                error=message,
                health=str(error.health),
                now=now,
                # The next poll waits longer after each failure in a row, up to a cap.
                next_due_at=lambda failures: now + failure_backoff(interval, failures),
                blocked_until=error.retry_at,
                owner=self.owner,
                cursor=error.cursor,
                lag=claim.lag,
            )
            source_state.release_lease(tx, claim.name, self.owner)
        return recorded

    def _release(self, claim: Claim) -> None:
        """Give back `claim`'s lease if we still hold it; a failure here is only logged."""
        if self.dry_run:
            return
        try:
            with self.store.transaction() as tx:
                source_state.release_lease(tx, claim.name, self.owner)
        except Exception as error:
            log.warning("source %s: lease not released: %s", claim.name, one_line(error))

    def _lease_lost(self, claim: Claim, message: str, progress: PollProgress) -> SourceOutcome:
        log.warning("source %s: %s; nothing of this poll was stored", claim.name, message)
        return SourceOutcome(
            claim.name,
            claim.source.type,
            ScanStatus.LEASE_LOST,
            requests=progress.requests(self.http),
            error=f"{message}; nothing of this poll was stored",
        )

    # ---- bookkeeping --------------------------------------------------------------------------

    def _raise_health_alerts(
        self, outcomes: Sequence[SourceOutcome], only: Sequence[str] | None
    ) -> None:
        """Source-health alerts (a source went blind, or recovered), mailed to the admin."""
        now = self.clock()
        report = ScanReport(None, now, now, list(outcomes))
        try:
            raised = raise_health_alerts(
                self.store, self.config, report, now, self.ingest.on_alerts, only=only
            )
        except Exception as error:  # never hide the scan's own result behind this
            log.error("could not evaluate source health: %s", one_line(error))
            return
        self._new_alerts.extend(raised)


def new_state(claim: Claim, result: FetchResult, now: datetime) -> dict[str, Any]:
    """What a successful poll saves: the adapter's state, when it ran, when it is due again."""
    return {
        "cursor": dict(result.cursor),
        "etag": result.etag,
        "last_modified": result.last_modified,
        "now": now,
        "next_due_at": now + jittered(claim.source.interval),
        "skipped_items": result.skipped.count,
        "lag": claim.lag,
    }


def idle_success(claim: Claim, result: FetchResult, now: datetime) -> IdleSuccess:
    """What a healthy idle poll saves (`new_state`, written with the batch's others)."""
    state = new_state(claim, result, now)
    del state["now"]
    return IdleSuccess(claim.name, **state)


async def run_scan(
    config: Config,
    store: Store,
    http: PoliteClient,
    clock: Clock = utc_now,
    *,
    only: Sequence[str] = (),
    dry_run: bool = False,
    baseline: bool = False,
    trigger: str = "manual",
    due_only: bool = False,
    on_progress: Callable[[SourceOutcome], None] | None = None,
    on_alerts: Callable[[Transaction, list[Alert], datetime], None] | None = None,
) -> ScanReport:
    """One scan pass (DESIGN.md 1): see the module docstring."""
    scanner = Scanner(
        config,
        store,
        http,
        clock,
        dry_run=dry_run,
        force_baseline=baseline,
        trigger=Trigger(trigger),
        due_only=due_only,
        on_progress=on_progress,
        on_alerts=on_alerts,
    )
    return await scanner.run(only)
