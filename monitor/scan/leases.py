"""Leases on sources: who holds one, whether its holder is dead, and keeping one alive.

A scan leases each source it polls (storage.source_state), so a daemon tick and a manual
`monitor scan` never poll one source at once. A poll may outlive the lease's first term (a
Mumsnet poll at a 10 s delay, a Wikipedia poll of hundreds of requests), so `LeaseKeeper`
renews it every third of its length; if a renewal finds the lease gone (expired and taken over
by another worker), the poll is cancelled with `storage.source_state.LeaseLostError`, the same
error every fenced write of its results raises, so a slow worker can never overwrite the newer
cursor of the one that took over, and the scan reports either as `lease_lost`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

from storage import schedule, source_state
from storage.database import Store
from storage.errors import StorageError
from storage.source_state import LeaseLostError

log = logging.getLogger(__name__)

T = TypeVar("T")


def lease_owner() -> str:
    """A lease owner id: host, process id and a random part (one per scan or mail dispatch)."""
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


class LeaseKeeper:
    """Runs a poll while renewing its lease; cancels the poll if the lease is lost."""

    def __init__(
        self,
        store: Store,
        name: str,
        owner: str,
        length: timedelta,
        clock: Callable[[], datetime],
        *,
        host: str | None = None,
    ) -> None:
        self.host = host  # a host slot held with the lease (storage.schedule), renewed with it
        self.store = store
        self.name = name
        self.owner = owner
        self.length = length
        self.clock = clock
        self.lost = False

    async def run(self, poll: Awaitable[T]) -> T:
        """The poll's result; LeaseLostError when a renewal found the lease gone."""
        task = asyncio.ensure_future(poll)
        renewer = asyncio.create_task(self._renew_until_done(task))
        try:
            return await task
        except asyncio.CancelledError:
            if self.lost:
                raise LeaseLostError(
                    f"the lease on {self.name} expired and was taken over"
                ) from None
            raise
        finally:
            renewer.cancel()

    async def _renew_until_done(self, task: asyncio.Future[T]) -> None:
        period = self.length.total_seconds() / 3
        while not task.done():
            await asyncio.sleep(period)
            if task.done():
                return
            try:
                held = await asyncio.to_thread(self._renew)
            except StorageError as error:
                # A database hiccup is not a lost lease: the fenced commit will tell.
                log.warning("source %s: could not renew its lease: %s", self.name, error)
                continue
            if not held:
                self.lost = True
                task.cancel()
                return

    def _renew(self) -> bool:
        with self.store.transaction() as tx:
            until = self.clock() + self.length
            if self.host is not None:
                schedule.renew_host(tx, self.host, self.owner, until)
            return source_state.renew_lease(tx, self.name, self.owner, until)
