"""Rate limits for sign-in: at most so many requests per client address in a window.

Kept in memory: `monitor web` is one process. Behind the reverse proxy the client address is
the one the proxy puts in X-Forwarded-For (uvicorn trusts it from 127.0.0.1 only).
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import datetime, timedelta


class RateLimiter:
    """A sliding window: `limit` events per key in any `window`."""

    def __init__(self, limit: int, window: timedelta, clock: Callable[[], datetime]) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: defaultdict[str, deque[datetime]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one event for `key`; False (and not counted) when the limit is reached."""
        now = self._clock()
        with self._lock:
            events = self._events[key]
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again (at least 1)."""
        with self._lock:
            events = self._events.get(key)
            if not events:
                return 1
            wait = events[0] + self.window - self._clock()
        return max(int(wait.total_seconds()) + 1, 1)
