"""What `monitor status` shows: each source's health from its stored state, the workers at work,
and mail that failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.config.settings import Config
from monitor.judgement.health import remedy, shown_health
from monitor.model import SourceStatus
from storage import mention_reading, outbox, source_state, workers
from storage.database import Store
from storage.workers import WorkerRow

NEVER_POLLED = "unknown"
WORKER_SEEN_WITHIN = timedelta(minutes=1)


def source_statuses(
    config: Config, store: Store, now: datetime | None = None, *, school: str | None = None
) -> list[SourceStatus]:
    """One status per configured source, in config order (health "stale" as of `now`).

    `school`: only the sources serving it, each counting only its mentions about that school.
    """
    now = now or datetime.now(UTC)
    with store.transaction() as tx:
        states = source_state.statuses(tx)
        counts = mention_reading.count_by_source(tx, school)
    sources = config.sources if school is None else config.sources_of(school)
    result = []
    for name, source in sources.items():
        row = states.get(name)
        health = shown_health(row, source.interval, now) if row and row.last_poll_at else None
        result.append(
            SourceStatus(
                name=name,
                type=source.type,
                enabled=source.enabled,
                health=health or NEVER_POLLED,
                last_success_at=row.last_success_at if row else None,
                last_error=row.last_error if row else None,
                consecutive_failures=row.consecutive_failures if row else 0,
                mention_count=counts.get(name, 0),
                blocked_until=row.blocked_until if row else None,
                next_poll_at=row.next_due_at if row else None,
                remedy=remedy(health, source.type) if health else "",
                skipped_items=row.skipped_items if row else 0,
                held_by=(
                    row.lease_owner
                    if row and row.lease_until is not None and row.lease_until >= now
                    else None
                ),
                lag=row.last_lag if row else None,
            )
        )
    return result


def mail_problems(store: Store, now: datetime, days: int = 7) -> list[str]:
    """One line per message that failed for good in the last `days`, and one for retries."""
    with store.transaction(read_only=True) as tx:
        failed = outbox.failed_since(tx, now - timedelta(days=days))
        waiting = [row for row in outbox.unsent(tx) if row.attempts > 0]
    lines = [
        f"mail: {row.kind} message {row.id} of {row.created_at:%Y-%m-%d %H:%M}Z failed"
        f" ({row.last_error}): {row.subject}"
        for row in failed
    ]
    if waiting:
        latest = max(waiting, key=lambda row: row.id)
        lines.append(
            f"mail: {len(waiting)} message(s) not yet accepted, being retried;"
            f" last error: {latest.last_error}"
        )
    return lines


def worker_statuses(store: Store, now: datetime | None = None) -> list[WorkerRow]:
    """The daemons seen in the last minute (each says it is alive every few seconds)."""
    now = now or datetime.now(UTC)
    with store.transaction(read_only=True) as tx:
        return workers.live(tx, now - WORKER_SEEN_WITHIN)
