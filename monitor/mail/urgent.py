"""Urgent mail: the alerts that cannot wait for the digest, queued in the scan's transaction.

    queue_urgent(tx, config, alerts, now) -> [outbox ids]

Called by the scan's commit stage right after `storage.alerts.add_many`, in the same
transaction, so an alert and the mail that carries it are stored together or not at all.
Urgent alerts go to the `urgent_to` of the schools their mentions are about (a trust's
`[schools.<id>]`), else to `[email] urgent_to` (else `to`); source-health alerts (a source went
blind or came back) to `admin_to` (else `to`). All the alerts raised together go in ONE message
per audience: one per set of schools with their own `urgent_to`, and one for the rest.

Quiet hours hold every alert except safeguarding until they end: held alerts wait in one
pending message per audience keyed by the end of the quiet window ("urgent:held:<end>", and
":<school>+<school>" after it for schools' own recipients), and alerts raised later in the same
night join it (its body re-rendered) until the dispatcher sends it at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from monitor.config.schedule import QuietHours
from monitor.config.settings import Config, EmailConfig, trust_name
from monitor.judgement import advice as policy
from monitor.mail.compose import header_text, new_message_id
from monitor.mail.render import ItemView, item_view, local_time, render
from monitor.model import Alert, OutboxKind, Severity
from storage import digests, outbox
from storage import schools as stored_schools
from storage.database import Transaction

HEALTH_RULE = "source_health"
SAFEGUARDING_RULE = "safeguarding"
SEVERITY_COLOURS = {
    Severity.URGENT: "#a51d2d",
    Severity.HIGH: "#c64600",
    Severity.NORMAL: "#1a5fb4",
    Severity.INFO: "#26a269",
}


@dataclass(frozen=True, slots=True)
class AlertView:
    """What a mail shows of one alert: plain text, with its mention and the policy's steps."""

    id: int
    rule: str
    severity: str
    source: str | None
    summary: str
    raised: str
    item: ItemView | None
    steps: tuple[str, ...]
    url: str | None = None  # the alert's page, {[web] base_url}/alerts/{id}, when configured


@dataclass(frozen=True, slots=True)
class Audience:
    """Who one message goes to, and what keeps its held message's key unique to them."""

    tag: str  # "" for [email]'s recipients; else the schools with their own, "+"-joined
    recipients: tuple[str, ...]
    name: str  # the school, schools or trust the mail is about
    timezone: str

    @property
    def key_suffix(self) -> str:
        """The held message key's end: ":infants+juniors" ("" for [email]'s recipients)."""
        return f":{self.tag}" if self.tag else ""


@dataclass(frozen=True, slots=True)
class Content:
    """A rendered message: subject and both bodies."""

    subject: str
    text: str
    html: str


def is_mailed_at_once(alert: Alert) -> bool:
    """True for alerts that are mailed when raised: urgent ones and source-health changes."""
    return alert.severity is Severity.URGENT or alert.rule == HEALTH_RULE


def queue_urgent(
    tx: Transaction, config: Config, alerts: Sequence[Alert], now: datetime
) -> list[int]:
    """Queue mail for the urgent and source-health alerts among `alerts`; the outbox rows used."""
    email = config.email
    candidates = [alert for alert in alerts if is_mailed_at_once(alert)]
    if email is None or not candidates:
        return []
    already = outbox.mailed_alert_ids(tx, [alert.id for alert in candidates])
    fresh = stored_schools.alerts_with_schools(
        tx, [alert for alert in candidates if alert.id not in already]
    )
    used: list[int] = []
    for kind in (OutboxKind.URGENT, OutboxKind.HEALTH):
        group = [alert for alert in fresh if kind_of(alert) is kind]
        for audience, members in audiences(config, email, kind, group):
            hold_until = quiet_end(email.quiet_hours, now, audience.timezone)
            at_once = [a for a in members if hold_until is None or a.rule == SAFEGUARDING_RULE]
            held = [alert for alert in members if alert not in at_once]
            if at_once:
                key = own_key(kind, at_once)
                created = add_message(tx, config, audience, kind, key, at_once, now, None)
                assert created is not None, "alert ids are unique"
                used.append(created)
            if held and hold_until is not None:
                used.append(hold(tx, config, audience, kind, held, now, hold_until))
    return used


def audiences(
    config: Config, email: EmailConfig, kind: OutboxKind, alerts: Sequence[Alert]
) -> list[tuple[Audience, list[Alert]]]:
    """`alerts` split by who must read them: their schools' own urgent_to, else [email]'s.

    An alert about a school without its own urgent_to (or about no school) also goes to
    [email]'s; source-health alerts go to admin_to only.
    """
    tables = config.school_tables
    trust = email.admin_recipients if kind is OutboxKind.HEALTH else email.urgent_recipients
    grouped: dict[tuple[tuple[str, ...], bool], list[Alert]] = {}
    for alert in alerts:
        about = () if kind is OutboxKind.HEALTH else alert.schools
        own = tuple(school for school in about if school in tables and tables[school].urgent_to)
        grouped.setdefault((own, len(own) < len(about) or not about), []).append(alert)
    found = []
    for (own, with_trust), members in grouped.items():
        if not own:
            audience = Audience("", trust, config.school.name, config.school.timezone)
        else:
            recipients = [address for school in own for address in tables[school].urgent_to]
            recipients += trust if with_trust else ()
            audience = Audience(
                "+".join((*own, "trust") if with_trust else own),
                tuple(dict.fromkeys(recipients)),
                trust_name([tables[school].name for school in own]),
                tables[own[0]].timezone,
            )
        found.append((audience, members))
    return found


def kind_of(alert: Alert) -> OutboxKind:
    """HEALTH for source-health alerts, URGENT for the rest."""
    return OutboxKind.HEALTH if alert.rule == HEALTH_RULE else OutboxKind.URGENT


def quiet_end(quiet: QuietHours | None, now: datetime, timezone: str) -> datetime | None:
    """When the quiet hours that `now` falls in end (UTC), or None outside quiet hours."""
    if quiet is None:
        return None
    local = now.astimezone(ZoneInfo(timezone))
    if not quiet.contains(local.time()):
        return None
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    if end <= local:
        end = (local + timedelta(days=1)).replace(
            hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0
        )
    # replace() on an aware local time keeps the old offset; re-localise across a DST change.
    end = end.replace(tzinfo=None).replace(tzinfo=ZoneInfo(timezone))
    return end.astimezone(UTC)


def add_message(
    tx: Transaction,
    config: Config,
    audience: Audience,
    kind: OutboxKind,
    key: str,
    alerts: Sequence[Alert],
    now: datetime,
    hold_until: datetime | None,
) -> int | None:
    """A new outbox row for `alerts` (linked to them); its id, or None if `key` is taken."""
    assert config.email is not None
    content = compose(tx, config, alerts, now, hold_until, audience)
    message = outbox.NewMessage(
        kind=kind,
        idempotency_key=key,
        message_id=new_message_id(config.email.sender, str(kind)),
        recipients=audience.recipients,
        subject=content.subject,
        body_text=content.text,
        body_html=content.html,
        next_attempt_at=hold_until,
    )
    message_id = outbox.add(tx, message, now)
    if message_id is not None:
        outbox.link_alerts(tx, message_id, [alert.id for alert in alerts])
    return message_id


def own_key(kind: OutboxKind, alerts: Sequence[Alert]) -> str:
    """The key of a message of its own for `alerts`: alert ids are unique, and mailed once."""
    return f"{kind}:alerts:{min(alert.id for alert in alerts)}"


def hold(
    tx: Transaction,
    config: Config,
    audience: Audience,
    kind: OutboxKind,
    alerts: Sequence[Alert],
    now: datetime,
    hold_until: datetime,
) -> int:
    """Add `alerts` to the audience's message held until `hold_until` (created if none yet)."""
    key = f"{kind}:held:{hold_until.isoformat()}{audience.key_suffix}"
    waiting = outbox.unsent_by_key(tx, key)
    if waiting is None:
        created = add_message(tx, config, audience, kind, key, alerts, now, hold_until)
        if created is not None:
            return created
        # Another scan created it meanwhile (then we join it), or a dispatcher has already
        # begun sending it (then these alerts get a held message of their own).
        waiting = outbox.unsent_by_key(tx, key)
        if waiting is None:
            alone = add_message(
                tx, config, audience, kind, own_key(kind, alerts), alerts, now, hold_until
            )
            assert alone is not None, "alert ids are unique"
            return alone
    everything = [*outbox.alerts_in(tx, waiting.id), *alerts]
    content = compose(tx, config, everything, now, hold_until, audience)
    outbox.replace_contents(
        tx, waiting.id, subject=content.subject, body_text=content.text, body_html=content.html
    )
    outbox.link_alerts(tx, waiting.id, [alert.id for alert in alerts])
    return waiting.id


def compose(
    tx: Transaction,
    config: Config,
    alerts: Sequence[Alert],
    now: datetime,
    hold_until: datetime | None,
    audience: Audience | None = None,
) -> Content:
    """Subject and bodies of the mail carrying `alerts` (most severe first)."""
    name = config.school.name if audience is None else audience.name
    zone = ZoneInfo(config.school.timezone if audience is None else audience.timezone)
    ordered = sorted(alerts, key=lambda a: (a.severity.rank, a.rule != SAFEGUARDING_RULE, a.id))
    views = alert_views(tx, config, ordered, zone)
    held_note = None
    if hold_until is not None:
        held_note = (
            "Raised during quiet hours and held until they ended"
            f" ({local_time(hold_until, zone)}); safeguarding alerts are never held."
        )
    top = ordered[0].severity
    values = {
        "heading": heading(ordered),
        "school": name,
        "alerts": views,
        "held_note": held_note,
        "record": policy.RECORD,
        "generated": local_time(now, zone),
        "banner_colour": SEVERITY_COLOURS[top],
    }
    return Content(
        subject=subject(ordered),
        text=render("urgent.txt", **values),
        html=render("urgent.html", **values),
    )


def alert_views(
    tx: Transaction, config: Config, alerts: Sequence[Alert], zone: ZoneInfo | None = None
) -> list[AlertView]:
    """What mail shows of `alerts`, in the order given, each with its mention if it has one."""
    zone = zone or config.school.zone
    found = digests.mentions_by_id(tx, [a.mention_id for a in alerts if a.mention_id])
    return [
        AlertView(
            id=alert.id,
            rule=alert.rule,
            severity=str(alert.severity),
            source=alert.source,
            summary=alert.summary,
            raised=local_time(alert.created_at, zone),
            item=None
            if alert.mention_id is None or alert.mention_id not in found
            else item_view(found[alert.mention_id], zone),
            steps=policy.suggestions(alert.rule, policy.where_said(config, alert.source)),
            url=alert_url(config, alert.id),
        )
        for alert in alerts
    ]


def alert_url(config: Config, alert_id: int) -> str | None:
    """The alert's page on the web page ([web] base_url), or None without one."""
    return None if config.web is None else f"{config.web.base_url}/alerts/{alert_id}"


def heading(alerts: Sequence[Alert]) -> str:
    """The title line inside the mail."""
    if all(alert.rule == HEALTH_RULE for alert in alerts):
        return "A source needs attention" if len(alerts) == 1 else "Sources need attention"
    return "Urgent alert" if len(alerts) == 1 else f"{len(alerts)} urgent alerts"


def subject(alerts: Sequence[Alert]) -> str:
    """ "[Urgent] rule · source: summary" for one alert; counts, rules and sources for several."""
    label = f"[{alerts[0].severity.value.capitalize()}]"
    if len(alerts) == 1:
        only = alerts[0]
        where = f" · {only.source}" if only.source else ""
        return header_text(f"{label} {only.rule}{where}: {only.summary}")
    rules = ", ".join(dict.fromkeys(alert.rule for alert in alerts))
    sources = ", ".join(dict.fromkeys(alert.source for alert in alerts if alert.source))
    return header_text(
        f"{label} {len(alerts)} alerts: {rules}" + (f" · {sources}" if sources else "")
    )
