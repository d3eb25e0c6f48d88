"""Per-source health for `monitor status`: configured sources joined with their stored state."""

from __future__ import annotations

from monitor.config import Config
from monitor.model import SourceStatus
from storage import mentions, source_state
from storage.database import Store

NEVER_POLLED = "unknown"


def source_statuses(config: Config, store: Store) -> list[SourceStatus]:
    """One status per configured source, in config order."""
    with store.transaction() as tx:
        states = source_state.statuses(tx)
        counts = mentions.count_by_source(tx)
    result = []
    for name, source in config.sources.items():
        row = states.get(name)
        result.append(
            SourceStatus(
                name=name,
                type=source.type,
                enabled=source.enabled,
                health=row.health if row and row.last_poll_at else NEVER_POLLED,
                last_success_at=row.last_success_at if row else None,
                last_error=row.last_error if row else None,
                consecutive_failures=row.consecutive_failures if row else 0,
                mention_count=counts.get(name, 0),
                blocked_until=row.blocked_until if row else None,
            )
        )
    return result
