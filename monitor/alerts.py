"""The alert lifecycle and the incident log (the social media policy's record of what was done).

    open ──ack──► acknowledged ──resolve──► resolved
      │                │
      └────dismiss─────┴──► dismissed        (a false positive: its key stays, never re-raised)

`open → resolved` is allowed too (handled without an acknowledgement). Every status change and
every action (`requested_deletion`, `reported_to_platform`, `contacted_posh`,
`contacted_police`, `replied_publicly`, `note`) appends one `alert_event` row with the time,
who did it and a note, in the same transaction as the change. Actions may be recorded in any
status: a note after resolution is still part of the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.model import USER_ACTIONS, Alert, AlertAction, AlertEvent, AlertStatus, Mention
from monitor.times import utc_iso
from storage import alerts as stored_alerts
from storage import mentions as stored_mentions
from storage.alerts import Incident
from storage.database import Transaction
from storage.schools import Schools

# status reached -> the statuses it may be reached from, and the event that records it
TRANSITIONS: dict[AlertStatus, tuple[frozenset[AlertStatus], AlertAction]] = {
    AlertStatus.ACKNOWLEDGED: (frozenset({AlertStatus.OPEN}), AlertAction.ACKNOWLEDGED),
    AlertStatus.RESOLVED: (
        frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED}),
        AlertAction.RESOLVED,
    ),
    AlertStatus.DISMISSED: (
        frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED}),
        AlertAction.DISMISSED,
    ),
}
_VERBS = {
    AlertStatus.ACKNOWLEDGED: "acknowledged",
    AlertStatus.RESOLVED: "resolved",
    AlertStatus.DISMISSED: "dismissed",
}


class AlertNotFoundError(LookupError):
    """No alert has this id."""

    def __init__(self, alert_id: int) -> None:
        super().__init__(f"no alert with id {alert_id} (`monitor alerts --status all` lists them)")


class TransitionError(ValueError):
    """The alert's status does not allow the change asked for."""


@dataclass(frozen=True, slots=True)
class AlertDetail:
    """An alert, the mention it is about (None if purged or a health alert), and its history."""

    alert: Alert
    mention: Mention | None
    events: tuple[AlertEvent, ...]


def transition(
    tx: Transaction,
    alert_id: int,
    to: AlertStatus,
    *,
    actor: str,
    note: str | None,
    now: datetime,
) -> AlertEvent:
    """Move an alert to `to` and log it; TransitionError if its status does not allow that."""
    if to not in TRANSITIONS:
        raise TransitionError(f"an alert cannot be set to {to}")
    current = _get(tx, alert_id)
    allowed_from, action = TRANSITIONS[to]
    if current.status not in allowed_from:
        raise TransitionError(
            f"alert {alert_id} is {current.status}: it cannot be {_VERBS[to]}"
            f" (only when {' or '.join(sorted(allowed_from))})"
        )
    stored_alerts.set_status(tx, alert_id, to)
    return stored_alerts.add_event(tx, alert_id, at=now, actor=actor, action=action, note=note)


def record_action(
    tx: Transaction,
    alert_id: int,
    action: AlertAction,
    *,
    actor: str,
    note: str | None,
    now: datetime,
) -> AlertEvent:
    """Log something done about an alert (one of USER_ACTIONS); its status is unchanged."""
    if action not in USER_ACTIONS:
        raise TransitionError(f"{action} is not an action; one of: {', '.join(USER_ACTIONS)}")
    _get(tx, alert_id)
    return stored_alerts.add_event(tx, alert_id, at=now, actor=actor, action=action, note=note)


def detail(tx: Transaction, alert_id: int) -> AlertDetail:
    """The alert, its mention and its history, for `alerts show`."""
    found = _get(tx, alert_id, lock=False)
    about = None if found.mention_id is None else stored_mentions.get(tx, found.mention_id)
    return AlertDetail(found, about, tuple(stored_alerts.events(tx, alert_id)))


def incident_log(
    tx: Transaction, since: datetime | None, school: Schools | None = None
) -> list[dict[str, Any]]:
    """The incident log as `incidents --format json` prints it (DESIGN.md 7), oldest first.

    `school` keeps the entries of alerts about that school.
    """
    return [incident_json(incident) for incident in stored_alerts.incidents(tx, since, school)]


def incident_json(incident: Incident) -> dict[str, Any]:
    """The firm JSON shape of one incident-log entry."""
    event = incident.event
    return {
        "alert_id": event.alert_id,
        "at": utc_iso(event.at),
        "actor": event.actor,
        "action": str(event.action),
        "note": event.note,
        "rule": incident.rule,
        "severity": str(incident.severity),
        "mention_url": incident.mention_url,
    }


INCIDENT_FIELDS = ("alert_id", "at", "actor", "action", "note", "rule", "severity", "mention_url")


def _get(tx: Transaction, alert_id: int, *, lock: bool = True) -> Alert:
    found = stored_alerts.get(tx, alert_id, lock=lock)
    if found is None:
        raise AlertNotFoundError(alert_id)
    return found
