"""Alerts: raised once per dedupe key, then moved through their life by people (incident log).

`add_many` is called by the scan's commit stage in the same transaction as the mentions the
alerts are about, so an alert never points at a mention that was rolled back, and a rescan
raises nothing twice (UNIQUE dedupe_key, INSERT … ON CONFLICT DO NOTHING).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from monitor.model import Alert, AlertDraft, AlertStatus, Severity
from storage.database import Transaction
from storage.safe_text import safe_text
from storage.schema import alert


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert draft and the mention it is about (None for source-health alerts)."""

    draft: AlertDraft
    mention_id: int | None


def add_many(tx: Transaction, alerts: Sequence[NewAlert], now: datetime) -> list[Alert]:
    """Insert the alerts whose dedupe key is new; returns those inserted, in the order given."""
    inserted: list[Alert] = []
    dialect_insert = postgresql.insert if tx.dialect == "postgresql" else sqlite.insert
    for new in alerts:
        values = {
            "mention_id": new.mention_id,
            "source": new.draft.source,
            "rule": new.draft.rule,
            "severity": str(new.draft.severity),
            "status": str(AlertStatus.OPEN),
            "dedupe_key": new.draft.dedupe_key,
            "summary": safe_text(new.draft.summary),
            "created_at": now,
        }
        statement = (
            dialect_insert(alert)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(*alert.c)
        )
        row = tx.connection.execute(statement).first()
        if row is not None:
            inserted.append(alert_from_row(row))
    return inserted


def alert_from_row(row: sa.Row[Any]) -> Alert:
    """An `Alert` from a full alert row."""
    return Alert(
        id=row.id,
        rule=row.rule,
        severity=Severity(row.severity),
        status=AlertStatus(row.status),
        mention_id=row.mention_id,
        source=row.source,
        summary=row.summary,
        dedupe_key=row.dedupe_key,
        created_at=row.created_at,
    )
