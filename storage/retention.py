"""Retention: delete mentions past their time, and blank what quoted them in alerts and mail.

A mention expires `retention_days` after it last changed (`updated_at`: first seen, or last
edited). It goes with its earlier versions (ON DELETE CASCADE); an alert about it keeps its
rule, severity, status, dates and incident log (`alert.mention_id` becomes NULL) but loses the
summary, which may quote the text. Mail sent (or given up on) before the cut-off keeps its
envelope but loses subject and bodies. Only counts are returned: nothing purged is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from monitor.model import OutboxStatus
from storage.database import Transaction
from storage.schema import alert, mention, mention_version, outbox

REMOVED = "(removed by the retention policy)"


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    """How many rows a purge deleted or blanked (or would have, in a dry run)."""

    mentions: int = 0
    versions: int = 0
    alert_summaries: int = 0
    outbox_bodies: int = 0
    # Review texts blanked at their source's own limit (Google Places: retain_text_days).
    expired_texts: int = 0

    def describe(self) -> str:
        """One line of counts, for the log and the CLI."""
        return (
            f"{self.mentions} mentions, {self.versions} earlier versions,"
            f" {self.alert_summaries} alert quotes, {self.outbox_bodies} sent mail bodies,"
            f" {self.expired_texts} expired review texts"
        )


def purge_expired(
    tx: Transaction, cutoff: datetime, *, dry_run: bool = False, removed: str = REMOVED
) -> PurgeCounts:
    """Delete or blank what is older than `cutoff`; with `dry_run` only count it."""
    expired = sa.select(mention.c.id).where(mention.c.updated_at < cutoff)
    old_versions = sa.or_(
        mention_version.c.mention_id.in_(expired), mention_version.c.replaced_at < cutoff
    )
    quoting = sa.and_(alert.c.mention_id.in_(expired), alert.c.summary != removed)
    old_mail = sa.and_(
        outbox.c.status.in_([str(OutboxStatus.SENT), str(OutboxStatus.FAILED)]),
        sa.func.coalesce(outbox.c.sent_at, outbox.c.created_at) < cutoff,
        sa.or_(outbox.c.body_text != "", outbox.c.body_html.is_not(None)),
    )
    counts = PurgeCounts(
        mentions=count(tx, mention, mention.c.updated_at < cutoff),
        versions=count(tx, mention_version, old_versions),
        alert_summaries=count(tx, alert, quoting),
        outbox_bodies=count(tx, outbox, old_mail),
    )
    if dry_run:
        return counts
    run = tx.connection.execute
    # Alerts first: once the mentions are gone, nothing says which alerts quoted them.
    run(sa.update(alert).where(quoting).values(summary=removed))
    run(sa.delete(mention_version).where(old_versions))
    run(sa.delete(mention).where(mention.c.updated_at < cutoff))
    run(sa.update(outbox).where(old_mail).values(subject=removed, body_text="", body_html=None))
    return counts


def count(tx: Transaction, table: sa.Table, condition: sa.ColumnElement[bool]) -> int:
    """Rows of `table` matching `condition`."""
    found: int = tx.connection.execute(
        sa.select(sa.func.count()).select_from(table).where(condition)
    ).scalar_one()
    return found
