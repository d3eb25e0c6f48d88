"""Source health: when a source goes blind, the technician hears once a day; once when it is back.

    source_problem(row, interval, failures_needed, now) -> Problem | None     pure
    health_drafts(name, type, problem, last_alert, today) -> [AlertDraft]     pure
    evaluate_health(tx, config, report, now) -> [Alert]                       stores the drafts

A source has a problem after `[alerts] health_failures` failed polls in a row, at once when the
failure says a person must act (`auth_expired`, `blocked`, `parser_broken`), or when it has not
succeeded for STALE_INTERVALS × its interval (a source stuck behind Retry-After, a lease, or a
daemon that stopped polling it). An episode is the time from the first problem alert to its
recovery notice; its alert is raised again each day (school time zone) while it lasts, and the
recovery notice is raised once. The last `source_health` alert stored for the source says
whether an episode is open, so nothing else needs to be remembered and a restart changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from monitor.config.settings import Config
from monitor.model import Alert, AlertDraft, Health, Severity
from sources.base import adapter_for
from storage import alerts, source_state
from storage.database import Store, Transaction
from storage.health import HEALTH_RULE, latest_health_alerts
from storage.source_state import SourceStateRow

if TYPE_CHECKING:
    from monitor.scan.report import ScanReport

log = logging.getLogger(__name__)

STALE = "stale"  # shown as a health; never stored (the stored health says how the last poll went)
STALE_INTERVALS = 3
# Failures a person must fix: reported on the first one, not after N.
ACT_NOW = frozenset({Health.AUTH_EXPIRED, Health.BLOCKED, Health.PARSER_BROKEN})

# Not a stored health, so no adapter's: a source that stopped succeeding, whatever its type.
STALE_REMEDY = (
    "no successful poll for 3 intervals: is the service running"
    " (systemctl status reputation-monitor)? see the last error"
)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a source counts as not working now: a health value or "stale", and the last error."""

    kind: str
    error: str | None
    last_success_at: datetime | None


def remedy(health: str, source_type: str) -> str:
    """What its adapter says a person should do about a source in this health ("": nothing)."""
    if health == STALE:
        return STALE_REMEDY
    return adapter_for(source_type).capabilities.remedies.for_health(health)


def is_stale(last_success_at: datetime | None, interval: timedelta, now: datetime) -> bool:
    """True when the source last succeeded more than STALE_INTERVALS intervals ago."""
    if last_success_at is None:
        return False  # never succeeded: its failures say more than its age can
    return now - last_success_at > interval * STALE_INTERVALS


def shown_health(row: SourceStateRow, interval: timedelta, now: datetime) -> str:
    """The health to show: the stored one, or "stale" for a source that stopped succeeding."""
    if row.health is Health.OK and is_stale(row.last_success_at, interval, now):
        return STALE
    return str(row.health)


def source_problem(
    row: SourceStateRow, interval: timedelta, failures_needed: int, now: datetime
) -> Problem | None:
    """The source's problem now, or None when it is working well enough."""
    if row.health in ACT_NOW or (
        row.health is not Health.OK and row.consecutive_failures >= failures_needed
    ):
        return Problem(str(row.health), row.last_error, row.last_success_at)
    if is_stale(row.last_success_at, interval, now):
        return Problem(STALE, row.last_error, row.last_success_at)
    return None


def health_drafts(
    name: str, source_type: str, problem: Problem | None, last: Alert | None, today: date
) -> list[AlertDraft]:
    """The alert to raise now, if any: a problem (once per episode and day) or its recovery."""
    episode, open_episode = episode_of(last)
    if problem is None:
        if last is None or not open_episode:
            return []
        return [
            AlertDraft(
                rule=HEALTH_RULE,
                severity=Severity.INFO,
                summary=f"Source {name} ({source_type}) is working again.",
                dedupe_key=f"{HEALTH_RULE}:{name}:recovered:{last.id}",
                source=name,
            )
        ]
    key = f"{HEALTH_RULE}:{name}:down:{episode}:{today.isoformat()}"
    if last is not None and last.dedupe_key == key:
        return []
    return [
        AlertDraft(
            rule=HEALTH_RULE,
            severity=Severity.HIGH,
            summary=problem_summary(name, source_type, problem),
            dedupe_key=key,
            source=name,
        )
    ]


def episode_of(last: Alert | None) -> tuple[str, bool]:
    """(episode id, whether it is open) from the source's last health alert.

    Keys are "source_health:NAME:down:EPISODE:DAY" and "source_health:NAME:recovered:ALERT_ID";
    a new episode is named after the recovery alert that closed the one before.
    """
    if last is None:
        return "0", False
    parts = last.dedupe_key.split(":")
    if len(parts) >= 4 and parts[2] == "down":
        return parts[3], True
    return str(last.id), False


def problem_summary(name: str, source_type: str, problem: Problem) -> str:
    """One line for the technician: what is wrong, the last error, and what to do."""
    if problem.kind == STALE:
        since = (
            problem.last_success_at.strftime("%Y-%m-%d %H:%M UTC")
            if problem.last_success_at
            else "never"
        )
        what = f"has not been polled successfully since {since}"
    else:
        what = f"is not working ({problem.kind})"
    error = f" Last error: {problem.error}." if problem.error else ""
    return (
        f"Source {name} ({source_type}) {what}.{error} To fix: {remedy(problem.kind, source_type)}."
    )


def evaluate_health(
    tx: Transaction,
    config: Config,
    report: ScanReport | None,
    now: datetime,
    *,
    only: Collection[str] | None = None,
) -> list[Alert]:
    """Raise the source-health alerts due now; returns those newly stored (to mail at once).

    Evaluates every enabled source and every source the scan polled (a disabled one named
    with --source), from its stored state; `report` None is the daemon's periodic check.
    With `only`, just those sources (the daemon's polls whose health may have changed: the
    periodic check still looks at every source).
    """
    polled = [] if report is None else [outcome.name for outcome in report.outcomes]
    names = [name for name, source in config.sources.items() if source.enabled]
    if only is not None:
        names, polled = [], list(only)
    states = source_state.statuses(tx) if only is None else source_state.rows(tx, polled)
    # Every source's last health alert in one query (the periodic check looks at them all).
    latest = latest_health_alerts(tx, None if only is None else polled)
    today = now.astimezone(config.school.zone).date()
    drafts: list[alerts.NewAlert] = []
    for name in _unique(names + [name for name in polled if name in config.sources]):
        row = states.get(name)
        if row is None:
            continue
        source = config.sources[name]
        problem = source_problem(row, source.interval, config.alerts.health_failures, now)
        for draft in health_drafts(name, source.type, problem, latest.get(name), today):
            drafts.append(alerts.NewAlert(draft, None))
    return alerts.add_many(tx, drafts, now)


def raise_health_alerts(
    store: Store,
    config: Config,
    report: ScanReport | None,
    now: datetime,
    on_alerts: Callable[[Transaction, list[Alert], datetime], object],
    *,
    only: Collection[str] | None = None,
) -> list[Alert]:
    """`evaluate_health` in its own transaction, handing what it raised to `on_alerts` (the
    mail outbox) in the same one, and logging each; the scan and the daemon's check share it.
    """
    with store.transaction() as tx:
        raised = evaluate_health(tx, config, report, now, only=only)
        if raised:
            on_alerts(tx, raised, now)
    for alert in raised:
        log.warning("source health: %s: %s", alert.source, alert.summary)
    return raised


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))
