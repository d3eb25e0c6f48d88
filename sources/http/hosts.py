"""What each host is owed: a cap on requests in flight, spaced starts, and respect for Retry-After.

HostGate(HostPolicy(concurrency, delay)).admit()
  │  at most `concurrency` requests to the host in flight; the rest wait for a slot
  │  each start at least `delay` s after the one before it
  ▼
the request runs while the slot is held

retry_deadline(Retry-After, now, default)
  "120" ──► now + 120 s;  an HTTP-date ──► that moment;  missing or garbled ──► now + default;
  never before now, never more than 7 days ahead
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

# A broken or hostile Retry-After must not silence a source for years (or overflow a datetime).
MAX_RETRY_AFTER = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class HostPolicy:
    """How hard we may press one host."""

    concurrency: int = 2
    delay: float = 0.0


class HostGate:
    """Admits requests to one host: `concurrency` in flight at most, starts `delay` s apart."""

    def __init__(self, policy: HostPolicy) -> None:
        self.policy = policy
        self.in_flight = asyncio.Semaphore(policy.concurrency)
        self.start_lock = asyncio.Lock()
        self.next_start = 0.0

    @asynccontextmanager
    async def admit(self) -> AsyncIterator[None]:
        """Hold one of the host's slots for the length of the block."""
        async with self.in_flight:
            async with self.start_lock:
                loop = asyncio.get_running_loop()
                wait = self.next_start - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self.next_start = loop.time() + self.policy.delay
            yield


def retry_deadline(retry_after: str | None, now: datetime, default: float) -> datetime:
    """When to ask again: Retry-After as seconds or an HTTP-date, else `default` seconds."""
    wait = timedelta(seconds=default)
    value = (retry_after or "").strip()
    if value.isascii() and value.isdigit():
        wait = timedelta(seconds=min(int(value), MAX_RETRY_AFTER.total_seconds()))
    elif value:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            pass
        else:
            wait = (when if when.tzinfo else when.replace(tzinfo=UTC)) - now
    return now + min(max(wait, timedelta(0)), MAX_RETRY_AFTER)
