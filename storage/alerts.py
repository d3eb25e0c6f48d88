"""Alerts: raised once per dedupe key, then moved through their life by people (incident log).

`add_many` is called by the scan's commit stage in the same transaction as the mentions the
alerts are about, so an alert never points at a mention that was rolled back, and a rescan
raises nothing twice (UNIQUE dedupe_key, INSERT … ON CONFLICT DO NOTHING). A dismissed alert
keeps its row, and so its key: it is never raised again.

The incident log (`alert_event`) is append-only: `add_event` inserts, nothing here updates or
deletes an event. Which status changes are allowed is decided in `monitor.alerts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.model import Alert, AlertAction, AlertDraft, AlertEvent, AlertStatus, Severity
from storage import schools
from storage.database import Transaction
from storage.safe_text import safe_text
from storage.schema import alert, alert_event, mention


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert draft and the mention it is about (None for source-health alerts)."""

    draft: AlertDraft
    mention_id: int | None


def add_many(tx: Transaction, alerts: Sequence[NewAlert], now: datetime) -> list[Alert]:
    """Insert the alerts whose dedupe key is new; returns those inserted, in the order given."""
    inserted: list[Alert] = []
    dialect_insert = tx.dialect_insert()
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


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """Which alerts a list shows besides their status: each None means any."""

    severity: Severity | None = None
    rule: str | None = None
    source: str | None = None
    # About this school, or any of these (a web user limited to some schools); None: any.
    school: schools.Schools | None = None


def list_alerts(
    tx: Transaction,
    statuses: Sequence[AlertStatus] | None = None,
    where: AlertFilter | None = None,
    *,
    school: schools.Schools | None = None,
    limit: int | None = None,
) -> list[Alert]:
    """Alerts with one of `statuses` (all when None) matching `where`, about `school` if given,
    newest first. Each carries the schools of its mention."""
    query = sa.select(alert).order_by(alert.c.created_at.desc(), alert.c.id.desc())
    if statuses is not None:
        query = query.where(alert.c.status.in_([str(status) for status in statuses]))
    query = _filtered(query, where)
    if school is not None:
        query = query.where(schools.alert_is_about(school))
    if limit is not None:
        query = query.limit(limit)
    found = [alert_from_row(row) for row in tx.connection.execute(query)]
    return schools.alerts_with_schools(tx, found)


def _filtered(query: sa.Select[Any], where: AlertFilter | None) -> sa.Select[Any]:
    if where is None:
        return query
    if where.severity is not None:
        query = query.where(alert.c.severity == str(where.severity))
    if where.rule is not None:
        query = query.where(alert.c.rule == where.rule)
    if where.source is not None:
        query = query.where(alert.c.source == where.source)
    if where.school is not None:
        query = query.where(schools.alert_is_about(where.school))
    return query


def rules_and_sources(tx: Transaction) -> tuple[list[str], list[str]]:
    """The rules and the sources that alerts have been raised for, each sorted (for filters)."""
    rules = tx.connection.execute(sa.select(alert.c.rule).distinct().order_by(alert.c.rule))
    sources = tx.connection.execute(
        sa.select(alert.c.source).where(alert.c.source.is_not(None)).distinct().order_by("source")
    )
    return list(rules.scalars()), list(sources.scalars())


def mentions_with_rules(
    tx: Transaction, mention_ids: Sequence[int], rules: Sequence[str]
) -> set[int]:
    """Those of `mention_ids` that an alert of one of `rules` is about."""
    if not mention_ids:
        return set()
    rows = tx.connection.execute(
        sa.select(alert.c.mention_id)
        .where(alert.c.mention_id.in_(list(mention_ids)), alert.c.rule.in_(list(rules)))
        .distinct()
    )
    return set(rows.scalars())


def get(tx: Transaction, alert_id: int, *, lock: bool = False) -> Alert | None:
    """One alert by id, or None; `lock` holds its row (PostgreSQL) until the transaction ends."""
    query = sa.select(alert).where(alert.c.id == alert_id)
    if lock and tx.dialect == "postgresql":
        query = query.with_for_update()
    row = tx.connection.execute(query).first()
    return None if row is None else alert_from_row(row)


def set_status(tx: Transaction, alert_id: int, status: AlertStatus) -> None:
    """Change an alert's status (the caller records the event in the same transaction)."""
    tx.connection.execute(sa.update(alert).where(alert.c.id == alert_id).values(status=str(status)))


def add_event(
    tx: Transaction,
    alert_id: int,
    *,
    at: datetime,
    actor: str,
    action: AlertAction,
    note: str | None,
) -> AlertEvent:
    """Append one entry to the incident log."""
    row = tx.connection.execute(
        sa.insert(alert_event)
        .values(
            alert_id=alert_id,
            at=at,
            actor=safe_text(actor),
            action=str(action),
            note=None if note is None else safe_text(note),
        )
        .returning(*alert_event.c)
    ).one()
    return event_from_row(row)


def events(tx: Transaction, alert_id: int) -> list[AlertEvent]:
    """An alert's incident-log entries, oldest first."""
    rows = tx.connection.execute(
        sa.select(alert_event)
        .where(alert_event.c.alert_id == alert_id)
        .order_by(alert_event.c.at, alert_event.c.id)
    )
    return [event_from_row(row) for row in rows]


def event_from_row(row: sa.Row[Any]) -> AlertEvent:
    """An `AlertEvent` from a full alert_event row."""
    return AlertEvent(
        id=row.id,
        alert_id=row.alert_id,
        at=row.at,
        actor=row.actor,
        action=AlertAction(row.action),
        note=row.note,
    )


@dataclass(frozen=True, slots=True)
class Incident:
    """One incident-log entry with what the export shows of its alert and mention."""

    event: AlertEvent
    rule: str
    severity: Severity
    mention_url: str | None


def incidents(
    tx: Transaction, since: datetime | None = None, school: schools.Schools | None = None
) -> list[Incident]:
    """Incident-log entries at or after `since` (all when None), oldest first.

    `school` keeps the entries of alerts about that school.
    """
    query = (
        sa.select(alert_event, alert.c.rule, alert.c.severity, mention.c.url.label("mention_url"))
        .join(alert, alert.c.id == alert_event.c.alert_id)
        .outerjoin(mention, mention.c.id == alert.c.mention_id)
        .order_by(alert_event.c.at, alert_event.c.id)
    )
    if since is not None:
        query = query.where(alert_event.c.at >= since)
    if school is not None:
        query = query.where(schools.alert_is_about(school))
    return [
        Incident(event_from_row(row), row.rule, Severity(row.severity), row.mention_url)
        for row in tx.connection.execute(query)
    ]


def count_by_status(tx: Transaction, where: AlertFilter | None = None) -> dict[AlertStatus, int]:
    """How many alerts matching `where` are in each status (statuses without any are absent)."""
    query = _filtered(sa.select(alert.c.status, sa.func.count()), where).group_by(alert.c.status)
    return {AlertStatus(status): count for status, count in tx.connection.execute(query)}
