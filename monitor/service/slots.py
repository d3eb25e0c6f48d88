"""Exactly-one jobs across workers: the digest, purge and health check run once per slot.

    JobSlots(store, owner).run_once(job, period, run)     run() only if this worker won the slot

`period` names the slot (the scheduled time it belongs to: `slot_period`), the same in every
worker whatever time it started, so three workers reaching the 07:30 digest each ask for
("digest", 07:30) and one runs it (storage.job_slots). A failed run gives its slot back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from storage import job_slots
from storage.database import Store

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Back from now to look for a trigger's last fire time, widening until one is found.
LOOKBACKS = tuple(
    timedelta(**step)
    for step in ({"minutes": 2}, {"hours": 2}, {"days": 2}, {"days": 32}, {"days": 400})
)
MAX_FIRES = 5000  # the most fire times stepped through from a lookback's first


@dataclass(frozen=True, slots=True)
class JobSlots:
    """Claims `(job, period)` slots for one worker (`owner`)."""

    store: Store
    owner: str
    # A runner that died holds its slot this long; a job that outlives it may run twice (each
    # job is idempotent anyway: a digest window is built once, a purge deletes what is old).
    lease: timedelta = timedelta(minutes=15)

    async def run_once(
        self, job: str, period: datetime, run: Callable[[], Awaitable[None]], now: datetime
    ) -> bool:
        """Run `run` if this worker wins `job`'s slot `period`; True when it ran."""
        if not await asyncio.to_thread(self._take, job, period, now):
            log.debug("%s: the slot %s is another worker's", job, period.isoformat())
            return False
        try:
            await run()
        except BaseException:
            await asyncio.to_thread(self._release, job, period)
            raise
        await asyncio.to_thread(self._finish, job, period, now)
        return True

    def _take(self, job: str, period: datetime, now: datetime) -> bool:
        with self.store.transaction() as tx:
            return job_slots.take(tx, job, period, self.owner, now + self.lease, now)

    def _finish(self, job: str, period: datetime, now: datetime) -> None:
        with self.store.transaction() as tx:
            job_slots.finish(tx, job, period, self.owner, now)

    def _release(self, job: str, period: datetime) -> None:
        try:
            with self.store.transaction() as tx:
                job_slots.release(tx, job, period, self.owner)
        except Exception as error:  # the slot's lease expires on its own
            log.warning("%s: slot not given back: %s", job, error)


def slot_period(trigger: BaseTrigger, now: datetime) -> datetime:
    """The slot `now` falls in: the trigger's last fire time at or before `now`.

    An interval trigger's slots are counted from the epoch, not from when this worker started,
    so every worker names the same slot. A trigger that never fired gives the epoch.
    """
    if isinstance(trigger, IntervalTrigger):
        every = trigger.interval.total_seconds()
        elapsed = (now - EPOCH).total_seconds()
        return EPOCH + timedelta(seconds=elapsed - elapsed % every)
    for lookback in LOOKBACKS:
        fire = trigger.get_next_fire_time(None, now - lookback)
        if fire is None or fire > now:
            continue
        for _ in range(MAX_FIRES):
            following = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
            if following is None or following > now:
                break
            fire = following
        return fire.astimezone(UTC)  # type: ignore[no-any-return]
    return EPOCH
