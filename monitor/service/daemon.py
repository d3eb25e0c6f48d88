"""The daemon: APScheduler runs the jobs, systemd hears we are alive, SIGTERM stops us cleanly.

    Daemon(jobs, zone, timing).run(stop)      until `stop` is set (SIGTERM, SIGINT)

The jobs are injected (`Jobs`: poll tick, outbox dispatch, digest, retention purge, health
check), so this module knows scheduling and nothing of what the jobs do; `monitor run` builds
the real ones. What must survive a restart lives in our database, not in a job store: each
source's `next_due_at` (the poll tick, every minute, polls only the sources that are due), the
digest windows, the retention cut-off. So every job also runs once at start-up: a poll or
digest missed while the machine was off happens then, once. Within a run, a slot missed while
the machine slept is run once when it wakes (coalesce, no misfire limit), never skipped.

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
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config.schedule import CronSchedule
from monitor.service import systemd

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Job = Callable[[datetime], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Jobs:
    """What the daemon runs; each gets the time it runs at."""

    poll: Job  # one poll tick: scan the sources that are due
    dispatch: Job  # send pending outbox mail
    digest: Job  # queue the digest if its window has closed
    purge: Job  # delete or blank data past its retention
    health: Job  # raise source-health alerts (e.g. a source gone stale)


@dataclass(frozen=True, slots=True)
class Timing:
    """How often each job runs, and the bounds that keep the daemon honest."""

    poll_every: timedelta = timedelta(minutes=1)
    dispatch_every: timedelta = timedelta(minutes=1)
    health_every: timedelta = timedelta(minutes=15)
    purge_at: tuple[int, int] = (3, 15)  # daily, school time: the quiet hours
    # How long running jobs get to finish after SIGTERM; keep it under the unit's TimeoutStopSec.
    stop_within: timedelta = timedelta(seconds=20)
    # No poll tick finished for this long: stop feeding the watchdog, so systemd restarts us.
    # Longer than any one poll (each source's whole poll has its own timeout).
    stall_after: timedelta = timedelta(minutes=30)


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
    running: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    last_poll_finished: float = field(default_factory=time.monotonic)

    def triggers(self) -> dict[str, BaseTrigger]:
        """Each job's trigger, by job name."""
        every = self.timing
        hour, minute = every.purge_at
        triggers: dict[str, BaseTrigger] = {
            "poll": IntervalTrigger(seconds=every.poll_every.total_seconds(), timezone=self.zone),
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
        """Run one job; its failure is logged, never the end of the daemon."""
        job: Job = getattr(self.jobs, name)
        try:
            await job(self.clock())
        except asyncio.CancelledError:
            log.warning("%s: abandoned at shutdown", name)
            raise
        except Exception:
            log.exception("%s: failed", name)
        finally:
            if name == "poll":
                self.last_poll_finished = time.monotonic()

    def making_progress(self) -> bool:
        """True while poll ticks keep finishing: the watchdog is fed only then."""
        return time.monotonic() - self.last_poll_finished < self.timing.stall_after.total_seconds()

    async def heartbeat(self) -> None:
        """Ping systemd's watchdog if the scheduler is making progress."""
        if self.making_progress():
            systemd.notify("WATCHDOG=1")
        else:
            log.error(
                "no poll tick has finished for %s: leaving the watchdog to restart us",
                self.timing.stall_after,
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Schedule the jobs, tell systemd we are ready, and run until `stop` is set."""
        scheduler = self.scheduler()
        scheduler.start()
        systemd.notify("READY=1")
        log.info("running: %s", ", ".join(sorted(self.triggers())))
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
