"""One pass over the sources: fetch each concurrently, score what is new, store it atomically.

For each selected source:
  1. lease it (so a daemon tick and a manual `monitor scan` never poll one source at once),
  2. `fetch` through its adapter (a failure is recorded for that source; the others go on),
  3. score only the items that are new or changed (storage tells which),
  4. store items, labels and the source's new cursor in ONE transaction, so a crash either keeps
     all of a poll or none of it, and a cursor never moves past an item that was not stored.
The first successful poll of a source is its baseline: stored, never alerted.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.config import Config
from monitor.model import FetchResult, Health, Item, Sentiment, SourceState
from monitor.rules import Candidate, Evaluation, Rules
from monitor.secrets import redact
from monitor.sentiment import SentimentScorer
from sources.base import SourceConfig, adapter_for
from sources.errors import SourceError, SourceRateLimitedError
from sources.http import PoliteClient
from storage import alerts, mentions, ratings, scan_runs, source_state
from storage.database import Store

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)  # longer than any poll: requests have a total deadline each
FAILURE_BACKOFF_CAP = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """What happened to one source in a scan."""

    name: str
    type: str
    status: str  # ok | failed | rate_limited | locked
    fetched: int = 0
    new: int = 0
    updated: int = 0
    negative: int = 0
    requests: int = 0
    baseline: bool = False
    error: str | None = None
    health: str = Health.OK
    retry_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-able record for scan_run.outcomes."""
        record: dict[str, Any] = {
            key: getattr(self, key)
            for key in ("type", "status", "fetched", "new", "updated", "negative", "requests")
        }
        record.update(baseline=self.baseline, error=self.error, health=str(self.health))
        record["retry_at"] = self.retry_at.isoformat() if self.retry_at else None
        return record


@dataclass(frozen=True, slots=True)
class ScanReport:
    """The outcome of one scan."""

    run_id: int | None
    started_at: datetime
    finished_at: datetime
    outcomes: list[SourceOutcome] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when a source failed (rate limits and locks are not failures)."""
        return any(outcome.status == "failed" for outcome in self.outcomes)

    @property
    def locked(self) -> list[str]:
        """Sources skipped because another scan holds them."""
        return [outcome.name for outcome in self.outcomes if outcome.status == "locked"]


class UnknownSourceError(ValueError):
    """`--source NAME` names no configured source."""


Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass
class Scanner:
    """Everything one scan needs; `run` does the pass."""

    config: Config
    store: Store
    http: PoliteClient
    clock: Clock = utc_now
    dry_run: bool = False
    force_baseline: bool = False
    trigger: str = "manual"
    due_only: bool = False  # the daemon polls a source only when its interval has passed
    on_progress: Callable[[SourceOutcome], None] | None = None
    owner: str = field(default_factory=lambda: lease_owner())

    def __post_init__(self) -> None:
        self.scorer = SentimentScorer(self.config.sentiment.lexicon)
        self.rules = Rules.from_config(self.config)

    async def run(self, only: Sequence[str] = ()) -> ScanReport:
        """Scan the enabled sources (or only those named) and record the pass."""
        selected = self._select(only)
        started = self.clock()
        run_id = None
        if not self.dry_run:
            with self.store.transaction() as tx:
                run_id = scan_runs.start(tx, trigger=self.trigger, now=started)
        tasks = [self._scan_source(name, source) for name, source in selected.items()]
        outcomes = [outcome for outcome in await asyncio.gather(*tasks) if outcome is not None]
        finished = self.clock()
        if run_id is not None:
            with self.store.transaction() as tx:
                scan_runs.finish(
                    tx,
                    run_id,
                    now=finished,
                    outcomes={outcome.name: outcome.to_json() for outcome in outcomes},
                )
        return ScanReport(run_id, started, finished, outcomes)

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

    async def _scan_source(self, name: str, source: SourceConfig) -> SourceOutcome | None:
        now = self.clock()
        gate = self._claim(name, source, now)
        if gate is not None:
            return gate if gate.status != "skip" else None
        try:
            outcome = await self._poll(name, source)
        finally:
            if not self.dry_run:
                with self.store.transaction() as tx:
                    source_state.release_lease(tx, name, self.owner)
        if self.on_progress is not None:
            self.on_progress(outcome)
        return outcome

    def _claim(self, name: str, source: SourceConfig, now: datetime) -> SourceOutcome | None:
        """None when the source may be polled now; else why not (status "skip" = silently)."""
        if self.dry_run:
            return None
        with self.store.transaction() as tx:
            source_state.ensure(tx, name, source.type)
            row = source_state.statuses(tx)[name]
            if row.blocked_until is not None and row.blocked_until > now:
                until = row.blocked_until.isoformat().replace("+00:00", "Z")
                return SourceOutcome(
                    name,
                    source.type,
                    "rate_limited",
                    retry_at=row.blocked_until,
                    error=f"not polled: the service asked us to wait until {until}",
                    health=row.health,
                )
            if self.due_only and row.next_due_at is not None and row.next_due_at > now:
                return SourceOutcome(name, source.type, "skip")
            if source_state.acquire_lease(tx, name, self.owner, now + LEASE, now):
                return None
            holder = source_state.lease_holder(tx, name, now)
            if holder is not None and lease_holder_is_dead(holder):
                # A scan killed mid-way (kill -9, power cut) leaves its lease; take it over.
                source_state.release_lease(tx, name, holder)
                if source_state.acquire_lease(tx, name, self.owner, now + LEASE, now):
                    return None
        return SourceOutcome(name, source.type, "locked", error=f"another scan ({holder}) holds it")

    async def _poll(self, name: str, source: SourceConfig) -> SourceOutcome:
        adapter = adapter_for(source.type)
        state = self._load_state(name)
        before = self.http.requests_made
        try:
            result = await adapter.fetch(self.http, source, state)
        except SourceError as error:
            return self._record_failure(name, source, error, self.http.requests_made - before)
        except Exception as error:  # an adapter bug must not stop the other sources
            log.debug("adapter %s raised", source.type, exc_info=True)
            wrapped = SourceError(
                f"unexpected error in the {source.type} adapter: {type(error).__name__}: {error}"
            )
            return self._record_failure(name, source, wrapped, self.http.requests_made - before)
        baseline = self.force_baseline or state.is_first_poll
        return await self._store(name, source, state, result, baseline)

    def _load_state(self, name: str) -> SourceState:
        with self.store.transaction() as tx:
            return source_state.load(tx, name) or SourceState(name=name)

    async def _store(
        self,
        name: str,
        source: SourceConfig,
        state: SourceState,
        result: FetchResult,
        baseline: bool,
    ) -> SourceOutcome:
        items = result.items
        with self.store.transaction() as tx:
            known = mentions.existing_hashes(tx, name, [item.external_id for item in items])
        changed = [
            item for item in items if known.get(item.external_id) != mentions.content_hash(item)
        ]
        # Scoring is CPU work; a thread keeps the other sources' requests moving meanwhile.
        scores = await asyncio.to_thread(
            self._score_all, name, source.type, changed, known, baseline
        )
        counts = {"new": 0, "updated": 0, "negative": 0}
        now = self.clock()
        if self.dry_run:
            counts["new"] = sum(1 for item in changed if item.external_id not in known)
            counts["updated"] = len(changed) - counts["new"]
            counts["negative"] = sum("negative" in found.labels for _, found in scores)
        else:
            writes = [
                mentions.MentionWrite(item, sentiment, found.labels, baseline or item.baseline)
                for item, (sentiment, found) in zip(changed, scores, strict=True)
            ]
            with self.store.transaction() as tx:
                outcomes = mentions.add_or_update_many(
                    tx, source=name, source_type=source.type, writes=writes, now=now
                )
                drafts: list[alerts.NewAlert] = []
                for write, written, (_, found) in zip(writes, outcomes, scores, strict=True):
                    if written.status != "unchanged":
                        counts[written.status] += 1
                        counts["negative"] += "negative" in write.labels
                        drafts.extend(
                            alerts.NewAlert(draft, written.mention_id) for draft in found.alerts
                        )
                alerts.add_many(tx, drafts, now)
                if result.rating is not None:
                    ratings.record(tx, name, result.rating, now)
                source_state.record_success(
                    tx,
                    name,
                    cursor=dict(result.cursor),
                    etag=result.etag,
                    last_modified=result.last_modified,
                    now=now,
                    next_due_at=now + source.interval,
                )
        return SourceOutcome(
            name,
            source.type,
            "ok",
            fetched=len(items),
            new=counts["new"],
            updated=counts["updated"],
            negative=counts["negative"],
            requests=result.requests,
            baseline=baseline,
        )

    def _score_all(
        self,
        name: str,
        source_type: str,
        items: Sequence[Item],
        known: Mapping[str, str],
        baseline: bool,
    ) -> list[tuple[Sentiment | None, Evaluation]]:
        scored: list[tuple[Sentiment | None, Evaluation]] = []
        for item in items:
            sentiment = self.scorer.score(item.text) if item.text.strip() else None
            candidate = Candidate(
                name,
                source_type,
                item,
                sentiment,
                is_new=item.external_id not in known,
                baseline=baseline or item.baseline,
            )
            scored.append((sentiment, self.rules.evaluate(candidate)))
        return scored

    def _record_failure(
        self, name: str, source: SourceConfig, error: SourceError, requests: int
    ) -> SourceOutcome:
        message = redact(str(error))
        now = self.clock()
        retry_at = error.retry_at if isinstance(error, SourceRateLimitedError) else None
        status = "rate_limited" if retry_at is not None else "failed"
        log.info("source %s: %s", name, message)
        if not self.dry_run:
            with self.store.transaction() as tx:
                previous = source_state.statuses(tx)[name].consecutive_failures
                # The next poll waits longer after each failure in a row, up to a cap.
                source_state.record_failure(
                    tx,
                    name,
                    error=message,
                    health=str(error.health),
                    now=now,
                    next_due_at=now + failure_backoff(source.interval, previous + 1),
                    blocked_until=retry_at,
                )
        return SourceOutcome(
            name,
            source.type,
            status,
            requests=requests,
            error=message,
            health=error.health,
            retry_at=retry_at,
        )


def failure_backoff(interval: timedelta, failures: int) -> timedelta:
    """How long to wait after `failures` failures in a row: the interval, doubling, capped."""
    doubled: timedelta = interval * (2 ** max(failures - 1, 0))
    return min(doubled, max(interval, FAILURE_BACKOFF_CAP))


def lease_owner() -> str:
    """A lease owner id: host, process id and a random part (one per scan)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_holder_is_dead(owner: str) -> bool:
    """True when `owner` is a process on this host that no longer runs."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # another scan in this very process (the daemon) is alive by definition
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


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
) -> ScanReport:
    """One scan pass (DESIGN.md 1): see the module docstring."""
    scanner = Scanner(
        config,
        store,
        http,
        clock,
        dry_run=dry_run,
        force_baseline=baseline,
        trigger=trigger,
        due_only=due_only,
        on_progress=on_progress,
    )
    return await scanner.run(only)
