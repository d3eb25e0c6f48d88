"""Source-health alerts as stored: the last one raised for a source tells where its episode is."""

from __future__ import annotations

import sqlalchemy as sa

from monitor.model import Alert
from storage.alerts import alert_from_row
from storage.database import Transaction
from storage.schema import alert

HEALTH_RULE = "source_health"


def latest_health_alert(tx: Transaction, source: str) -> Alert | None:
    """The newest `source_health` alert about `source` (a problem or a recovery), or None."""
    row = tx.connection.execute(
        sa.select(alert)
        .where(alert.c.rule == HEALTH_RULE, alert.c.source == source)
        .order_by(alert.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else alert_from_row(row)
