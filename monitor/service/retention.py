"""Retention: personal data is kept `[storage] retention_days`, then purged (counts logged only)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from monitor.config.settings import Config
from storage.database import Store
from storage.retention import PurgeCounts, purge_expired
from storage.text_expiry import blank_expired_text, count_expired_text

log = logging.getLogger(__name__)


def retention_cutoff(config: Config, now: datetime) -> datetime:
    """The moment before which stored mentions and sent mail have expired."""
    return now - timedelta(days=config.storage.retention_days)


def purge(store: Store, config: Config, now: datetime, *, dry_run: bool = False) -> PurgeCounts:
    """Delete or blank expired data in one transaction; returns (and logs) the counts."""
    cutoff = retention_cutoff(config, now)
    with store.transaction() as tx:
        counts = purge_expired(tx, cutoff, dry_run=dry_run)
        # Per-source text retention (Google Places' terms) in the same transaction.
        expire = count_expired_text if dry_run else blank_expired_text
        counts = replace(counts, expired_texts=expire(tx, now))
    verb = "would purge" if dry_run else "purged"
    log.info(
        "retention: %s %s (older than %d days)",
        verb,
        counts.describe(),
        config.storage.retention_days,
    )
    return counts
