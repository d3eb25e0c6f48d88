"""When a source is due again: its interval with jitter, and backoff after failures."""

from __future__ import annotations

import random
from datetime import timedelta

FAILURE_BACKOFF_CAP = timedelta(hours=6)
MAX_BACKOFF_DOUBLINGS = 16  # 2**16 intervals is past any cap: the exponent never overflows
MAX_JITTER = timedelta(minutes=2)


def jitter(interval: timedelta) -> timedelta:
    """How far `jittered` may move a due time either way: 5% of the interval, 2 minutes at most."""
    return min(interval * 0.05, MAX_JITTER)


def jittered(interval: timedelta) -> timedelta:
    """The interval give or take 5% (two minutes at most), so polls spread over the ticks."""
    spread = jitter(interval).total_seconds()
    return interval + timedelta(seconds=random.uniform(-spread, spread))


def failure_backoff(interval: timedelta, failures: int) -> timedelta:
    """How long to wait after `failures` failures in a row: the interval, doubling, capped."""
    doublings = min(max(failures - 1, 0), MAX_BACKOFF_DOUBLINGS)
    cap = max(interval, FAILURE_BACKOFF_CAP)
    # In seconds as a float: a long interval times 2**16 would overflow timedelta.
    seconds = min(interval.total_seconds() * 2.0**doublings, cap.total_seconds())
    return timedelta(seconds=seconds)
