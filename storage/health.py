"""Source-health alerts as stored: the last one raised for a source tells where its episode is."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from monitor.model import Alert
from storage.alerts import alert_from_row
from storage.database import Transaction
from storage.schema import alert

HEALTH_RULE = "source_health"


def latest_health_alerts(
    tx: Transaction, sources: Collection[str] | None = None
) -> dict[str, Alert]:
    """The newest `source_health` alert about each source that has one (of `sources`, or of
    every source when None), by source: one query, however many sources."""
    newest = sa.select(sa.func.max(alert.c.id)).where(alert.c.rule == HEALTH_RULE)
    if sources is not None:
        newest = newest.where(alert.c.source.in_(list(sources)))
    rows = tx.connection.execute(
        sa.select(alert).where(alert.c.id.in_(newest.group_by(alert.c.source).scalar_subquery()))
    )
    found = (alert_from_row(row) for row in rows)
    return {found_alert.source: found_alert for found_alert in found if found_alert.source}
