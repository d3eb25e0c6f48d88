"""The daemon: the poller and APScheduler's jobs, systemd hears we are alive, SIGTERM stops us.

    Daemon(jobs, zone, poller=…, slots=…).run(stop)      until `stop` is set (SIGTERM, SIGINT)

Polling is the poller's (monitor.service.poller: each source when it is due, as its own task);
the jobs are injected (`Jobs`: outbox dispatch, digest, retention purge, health check), so this
module knows scheduling and nothing of what they do; monitor.service.wiring builds the real
ones. What must survive a restart lives in our database, not in a job store: each source's
`next_due_at`, the digest windows, the retention cut-off, the job slots. So every job also runs
once at start-up: a digest missed while the machine was off happens then, once. Within a run,
a slot missed while the machine slept is run once when it wakes (coalesce, no misfire limit).

The digest, purge and health check run once per slot whatever the number of workers: each
asks `slots` for its `(job, period)` row first (monitor.service.slots). Dispatch runs in every
worker: outbox rows are leased one by one.

Each scheduled slot starts the job as its own task and returns; a job still running from its
last slot is not started again (one instance each). On stop the scheduler starts nothing new,
running jobs get `timing.stop_within` to finish, and the rest are cancelled: every database
write is one transaction, so a cancelled poll leaves nothing half-stored.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config.schedule import CronSchedule
from monitor.service import systemd
from monitor.service.slots import JobSlots, slot_period

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Job = Callable[[datetime], Awaitable[None]]

# Jobs that run once per slot across every worker sharing the database.
EXACTLY_ONCE = ("digest", "purge", "health")


class PollLoop(Protocol):
    """What the daemon needs of the poller."""

    progress: float  # time.monotonic() of its last claim round or finished poll

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set, then finish within its own bound."""


@dataclass(frozen=True, slots=True)
class Jobs:
    """What the daemon runs besides polling; each gets the time it runs at."""

    dispatch: Job  # send pending outbox mail
    digest: Job  # queue the digest if its window has closed
    purge: Job  # delete or blank data past its retention
    health: Job  # raise source-health alerts (e.g. a source gone stale)


@dataclass(frozen=True, slots=True)
class Timing:
    """How often each job runs, and the bounds that keep the daemon honest."""

    dispatch_every: timedelta = timedelta(minutes=1)
    health_every: timedelta = timedelta(minutes=15)
    purge_at: tuple[int, int] = (3, 15)  # daily, school time: the quiet hours
    # How long running jobs get to finish after SIGTERM; keep it under the unit's TimeoutStopSec.
    stop_within: timedelta = timedelta(seconds=20)
    # The poller neither claimed nor finished a poll for this long: stop feeding the watchdog,
    # so systemd restarts us. Longer than any one poll (each has its own timeout).
    stall_after: timedelta = timedelta(minutes=30)
    restart_poller: timedelta = timedelta(seconds=30)  # after the poller itself failed


def digest_trigger(schedule: CronSchedule, zone: ZoneInfo) -> CronTrigger:
    """The digest's cron trigger in the school's time zone (weekday names, not numbers)."""
    # Not CronTrigger.from_crontab: APScheduler 3 counts Monday as 0 where cron counts Sunday.
    return CronTrigger(**schedule.trigger_fields(), timezone=zone)


@dataclass
class Daemon:
    """The scheduler, the jobs' tasks, and the watchdog heartbeat."""

    jobs: Jobs
    zone: ZoneInfo
    digest_schedule: CronSchedule | None = None
    timing: Timing = field(default_factory=Timing)
    clock: Clock = field(default=lambda: datetime.now(UTC))
    poller: PollLoop | None = None
    slots: JobSlots | None = None  # without: every job runs in this process (one daemon)
    running: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    def triggers(self) -> dict[str, BaseTrigger]:
        """Each job's trigger, by job name."""
        every = self.timing
        hour, minute = every.purge_at
        triggers: dict[str, BaseTrigger] = {
            "dispatch": IntervalTrigger(
                seconds=every.dispatch_every.total_seconds(), timezone=self.zone
            ),
            "health": IntervalTrigger(
                seconds=every.health_every.total_seconds(), timezone=self.zone
            ),
            "purge": CronTrigger(hour=hour, minute=minute, timezone=self.zone),
        }
        if self.digest_schedule is not None:
            triggers["digest"] = digest_trigger(self.digest_schedule, self.zone)
        return triggers

    def scheduler(self) -> AsyncIOScheduler:
        """An in-memory scheduler with every job, each due at once and then on its trigger."""
        scheduler = AsyncIOScheduler(timezone=self.zone)
        start = datetime.now(self.zone)
        for name, trigger in self.triggers().items():
            scheduler.add_job(
                self.launch,
                trigger,
                args=[name],
                id=name,
                name=name,
                next_run_time=start,
                coalesce=True,  # many missed slots (a suspended laptop) run once
                misfire_grace_time=None,  # however late: run it, never skip it silently
                max_instances=1,
            )
        watchdog = systemd.watchdog_seconds()
        if watchdog is not None:
            scheduler.add_job(
                self.heartbeat,
                IntervalTrigger(seconds=max(watchdog / 2, 0.5), timezone=self.zone),
                id="heartbeat",
                next_run_time=start,
                coalesce=True,
                misfire_grace_time=None,
                max_instances=1,
            )
        return scheduler

    async def launch(self, name: str) -> None:
        """Start job `name` as a task, unless its last run is still going."""
        current = self.running.get(name)
        if current is not None and not current.done():
            log.debug("%s: still running from its last slot; this one skipped", name)
            return
        self.running[name] = asyncio.create_task(self.run_job(name), name=name)

    async def run_job(self, name: str) -> None:
        """Run one job (once per slot across workers, for those that must); a failure is
        logged, never the end of the daemon."""
        job: Job = getattr(self.jobs, name)
        now = self.clock()
        try:
            if self.slots is not None and name in EXACTLY_ONCE:
                period = slot_period(self.triggers()[name], now)
                await self.slots.run_once(name, period, lambda: job(now), now)
            else:
                await job(now)
        except asyncio.CancelledError:
            log.warning("%s: abandoned at shutdown", name)
            raise
        except Exception:
            log.exception("%s: failed", name)

    async def keep_polling(self, stop: asyncio.Event) -> None:
        """Run the poller until `stop`; if it fails (the database away at start), log it and
        start it again after `timing.restart_poller`."""
        assert self.poller is not None
        while not stop.is_set():
            try:
                await self.poller.run(stop)
                return
            except Exception:
                log.exception("poll: failed; starting again in %s", self.timing.restart_poller)
            try:
                await asyncio.wait_for(stop.wait(), self.timing.restart_poller.total_seconds())
            except TimeoutError:
                pass

    def making_progress(self) -> bool:
        """True while the poller keeps claiming or finishing polls: the watchdog is fed only
        then (a daemon without a poller is always making progress)."""
        if self.poller is None:
            return True
        stalled = time.monotonic() - self.poller.progress
        return stalled < self.timing.stall_after.total_seconds()

    async def heartbeat(self) -> None:
        """Ping systemd's watchdog if the scheduler is making progress."""
        if self.making_progress():
            systemd.notify("WATCHDOG=1")
        else:
            log.error(
                "the poller has neither claimed nor finished a poll for %s:"
                " leaving the watchdog to restart us",
                self.timing.stall_after,
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Schedule the jobs, tell systemd we are ready, and run until `stop` is set."""
        scheduler = self.scheduler()
        scheduler.start()
        if self.poller is not None:
            self.running["poll"] = asyncio.create_task(self.keep_polling(stop), name="poll")
        systemd.notify("READY=1")
        names = [*(["poll"] if self.poller is not None else []), *self.triggers()]
        log.info("running: %s", ", ".join(sorted(names)))
        try:
            await stop.wait()
        finally:
            systemd.notify("STOPPING=1")
            scheduler.shutdown(wait=False)
            await self.finish_running()

    async def finish_running(self) -> None:
        """Let running jobs finish within `stop_within`; cancel and await the rest."""
        tasks = [task for task in self.running.values() if not task.done()]
        if not tasks:
            return
        log.info("stopping: waiting for %s", ", ".join(task.get_name() for task in tasks))
        _, pending = await asyncio.wait(tasks, timeout=self.timing.stop_within.total_seconds())
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=5)


def job_options(scheduler: AsyncIOScheduler, name: str) -> dict[str, Any]:
    """The options a scheduled job was given (for `monitor status` and tests)."""
    job = scheduler.get_job(name)
    return {
        "coalesce": job.coalesce,
        "misfire_grace_time": job.misfire_grace_time,
        "max_instances": job.max_instances,
        "trigger": job.trigger,
    }
