"""Claiming sources for a scan: one transaction leases every source that may be polled now.

A source is skipped when a service asked us to wait (`blocked_until`), when the daemon polls only
due sources and it is not due, or when another live worker holds its lease; a lease left by a
dead process on this host is taken over.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.model import Health, ScanStatus, SourceState
from monitor.scan.leases import lease_holder_is_dead
from monitor.scan.report import SourceOutcome
from monitor.times import utc_iso
from sources.base import SourceConfig
from storage import source_state
from storage.database import Store, Transaction
from storage.source_state import SourceStateRow


@dataclass(frozen=True, slots=True)
class Claim:
    """A source this scan may poll now, with the state it had when claimed."""

    name: str
    source: SourceConfig
    state: SourceState
    healthy: bool  # ok and no failures in a row: an idle poll changes nothing worth reporting
    lag: float | None = None  # seconds late when the daemon's schedule claimed it (else None)
    host: str | None = None  # the polite host slot claimed with it (the daemon's schedule)


@dataclass(frozen=True, slots=True)
class Claimer:
    """Leases sources for one scan (`owner`) for `lease` at a time."""

    store: Store
    owner: str
    lease: timedelta
    due_only: bool = False

    def peek(self, selected: Mapping[str, SourceConfig]) -> list[Claim]:
        """Claims on every selected source without leasing any (a dry run)."""
        with self.store.transaction(read_only=True) as tx:
            rows = source_state.rows(tx, list(selected))
        return [claim_of(name, source, rows.get(name)) for name, source in selected.items()]

    def claim(
        self, selected: Mapping[str, SourceConfig], now: datetime
    ) -> tuple[list[Claim], list[SourceOutcome]]:
        """Lease every selected source that may be polled now, in one transaction.

        Returns the claims, and the outcomes of sources skipped loudly (rate limited, locked);
        a source that is simply not due yet is skipped silently.
        """
        claims: list[Claim] = []
        skipped: list[SourceOutcome] = []
        with self.store.transaction() as tx:
            source_state.ensure_many(tx, {name: source.type for name, source in selected.items()})
            rows = source_state.rows(tx, list(selected))
            # One statement leases every source that is due and not waited for; the rest are
            # looked at one by one below (rarely more than a handful).
            eligible = [
                name
                for name, row in rows.items()
                if not self.waiting(row, now) and not self.not_due(row, now)
            ]
            leased = source_state.acquire_leases(tx, eligible, self.owner, now + self.lease, now)
            for name, source in selected.items():
                row = rows[name]
                refusal = None if name in leased else self.refusal(tx, name, source, row, now)
                if refusal is None:
                    claims.append(claim_of(name, source, row))
                elif refusal.status is not ScanStatus.OK:  # OK here means "not due": silent
                    skipped.append(refusal)
        return claims, skipped

    @staticmethod
    def waiting(row: SourceStateRow, now: datetime) -> bool:
        """True when a service asked us not to poll the source before a time still to come."""
        return row.blocked_until is not None and row.blocked_until > now

    def not_due(self, row: SourceStateRow, now: datetime) -> bool:
        """True when only due sources are polled and this one is not due yet."""
        return self.due_only and row.next_due_at is not None and row.next_due_at > now

    def refusal(
        self, tx: Transaction, name: str, source: SourceConfig, row: SourceStateRow, now: datetime
    ) -> SourceOutcome | None:
        """None when the source is now leased to us; else why not."""
        if self.waiting(row, now):
            assert row.blocked_until is not None
            until = utc_iso(row.blocked_until)
            return SourceOutcome(
                name,
                source.type,
                ScanStatus.RATE_LIMITED,
                retry_at=row.blocked_until,
                error=f"not polled: the service asked us to wait until {until}",
                health=row.health,
                consecutive_failures=row.consecutive_failures,
            )
        if self.not_due(row, now):
            return SourceOutcome(name, source.type, ScanStatus.OK)
        if source_state.acquire_lease(tx, name, self.owner, now + self.lease, now):
            return None
        holder = source_state.lease_holder(tx, name, now)
        if holder is not None and lease_holder_is_dead(holder):
            # A scan killed mid-way (kill -9, power cut) leaves its lease; take it over.
            source_state.release_lease(tx, name, holder)
            if source_state.acquire_lease(tx, name, self.owner, now + self.lease, now):
                return None
        return SourceOutcome(
            name, source.type, ScanStatus.LOCKED, error=f"another scan ({holder}) holds it"
        )


def claim_of(name: str, source: SourceConfig, row: SourceStateRow | None) -> Claim:
    """A claim on `source` with the adapter state held in its row (empty when it has none)."""
    if row is None:
        return Claim(name, source, SourceState(name=name), healthy=False)
    state = SourceState(
        name=name,
        cursor=dict(row.cursor),
        etag=row.etag,
        last_modified=row.last_modified,
        last_success_at=row.last_success_at,
    )
    healthy = row.health is Health.OK and row.consecutive_failures == 0
    return Claim(name, source, state, healthy=healthy)
