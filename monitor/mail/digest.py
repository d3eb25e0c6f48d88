"""The digest: what was said about the school in [end of the last digest, now), on a schedule.

    send_digest_if_due(store, config, now) -> outbox id | None     the daemon calls this
    queue_digest(tx, config, start, end, now) -> outbox id | None  build, store, queue one window
    preview(store, config, now) -> html                            what would be sent now

Windows tile time: a digest covers [start, end) where start is the end of the last digest, and
`digest.window_start` is UNIQUE, so a window is built once however often (or however many
processes) ask. The first digest is due at the first scheduled time after the monitor stored its
first mention, and covers the 7 days before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from monitor.config.settings import Config
from monitor.mail import sections
from monitor.mail.compose import header_text, new_message_id
from monitor.mail.delivery import dispatch
from monitor.mail.render import ItemView, item_view, local_date, local_time, render
from monitor.mail.urgent import SAFEGUARDING_RULE, AlertView, alert_views
from monitor.model import Alert, OutboxKind, Severity
from storage import digests, outbox
from storage.database import Store, Transaction

FIRST_WINDOW = timedelta(days=7)
PRAISE_RULE = "praise"
# Items listed per section: keeps a busy day's HTML well under Gmail's 102 KB clipping limit.
MAX_PER_SECTION = 10


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything one digest shows, as plain values."""

    school: str
    start: datetime
    end: datetime
    period: str
    mention_count: int
    by_source: list[tuple[str, int]]
    tones: dict[str, int]
    open_alerts: int
    alert_groups: list[tuple[str, list[AlertView], int]]  # severity, listed, how many in all
    praise: list[AlertView]
    others: list[ItemView]
    others_left: int
    ratings: list[sections.RatingLine]
    inspections: list[sections.InspectionLine]
    unreplied: list[ItemView]
    unreplied_total: int
    health: list[sections.HealthLine]
    trend: list[sections.TrendWeek]
    baseline: int
    quiet_since: str | None  # "No new mentions since …" on a quiet day

    @property
    def subject(self) -> str:
        """Fixed text and counts: nothing scraped."""
        alerts = sum(total for _, _, total in self.alert_groups)
        if self.mention_count == 0:
            what = "no new mentions"
        else:
            what = f"{self.mention_count} new mention{'s' if self.mention_count != 1 else ''}"
            if alerts:
                what += f", {alerts} alert{'s' if alerts != 1 else ''}"
        return header_text(f"{self.school}: {what} (digest {self.period})")


def build(tx: Transaction, config: Config, start: datetime, end: datetime) -> Digest:
    """The digest of [start, end), read inside `tx`."""
    zone = config.school.zone
    new = digests.mentions_seen(tx, start, end)
    raised = digests.alerts_created(tx, start, end)
    alerted = {alert.mention_id for alert in raised}
    praise = [alert for alert in raised if alert.rule == PRAISE_RULE]
    serious = [alert for alert in raised if alert.rule != PRAISE_RULE]
    others = sorted(
        (mention for mention in new if mention.id not in alerted),
        key=lambda mention: mention.sentiment.compound if mention.sentiment else 0.0,
    )
    unreplied, unreplied_total = digests.unreplied_reviews(tx, MAX_PER_SECTION)
    by_source: dict[str, int] = {}
    tones = dict.fromkeys(sections.TONES, 0)
    for mention in new:
        by_source[mention.source] = by_source.get(mention.source, 0) + 1
        tone = sections.tone_of(mention.labels)
        if tone is not None:
            tones[tone] += 1
    return Digest(
        school=config.school.name,
        start=start,
        end=end,
        period=f"{local_date(end, zone)}",
        mention_count=len(new),
        by_source=sorted(by_source.items(), key=lambda pair: (-pair[1], pair[0])),
        tones=tones,
        open_alerts=digests.open_alert_count(tx),
        alert_groups=grouped(tx, config, serious),
        praise=alert_views(tx, config, praise[:MAX_PER_SECTION]),
        others=[item_view(mention, zone) for mention in others[:MAX_PER_SECTION]],
        others_left=max(len(others) - MAX_PER_SECTION, 0),
        ratings=sections.rating_lines(tx, config, start, end, new),
        inspections=sections.inspection_lines(tx, config, zone),
        unreplied=[item_view(mention, zone) for mention in unreplied],
        unreplied_total=unreplied_total,
        health=sections.health_lines(tx, config, zone),
        trend=sections.trend(
            digests.labels_seen(tx, end - timedelta(weeks=sections.TREND_WEEKS), end), end, zone
        ),
        baseline=digests.baseline_count(tx, start, end),
        quiet_since=None if new else local_time(start, zone),
    )


def grouped(
    tx: Transaction, config: Config, alerts: list[Alert]
) -> list[tuple[str, list[AlertView], int]]:
    """Alerts by severity, most severe first; each group at most MAX_PER_SECTION long."""
    groups = []
    for severity in Severity:
        chosen = sorted(
            (alert for alert in alerts if alert.severity is severity),
            key=lambda alert: (alert.rule != SAFEGUARDING_RULE, alert.created_at, alert.id),
        )
        if chosen:
            listed = alert_views(tx, config, chosen[:MAX_PER_SECTION])
            groups.append((str(severity), listed, len(chosen)))
    return groups


def render_digest(digest: Digest, config: Config) -> tuple[str, str]:
    """(plain text, HTML) of a digest."""
    zone = config.school.zone
    values = {
        "d": digest,
        "window": f"{local_time(digest.start, zone)} to {local_time(digest.end, zone)}",
        "zone": config.school.timezone,
        "tone_labels": {"negative": "negative", "neutral": "neutral", "positive": "positive"},
    }
    return render("digest.txt", **values), render("digest.html", **values)


def window_start(tx: Transaction, now: datetime) -> datetime:
    """Where the next digest starts: the end of the last one, else FIRST_WINDOW before `now`."""
    return digests.last_window_end(tx) or now - FIRST_WINDOW


def is_due(config: Config, tx: Transaction, now: datetime) -> bool:
    """True when the schedule fired after the last digest (or the first mention) and by `now`."""
    assert config.email is not None
    since = digests.last_window_end(tx) or digests.first_seen(tx)
    if since is None or since >= now:
        return False
    trigger = CronTrigger(
        **config.email.digest_schedule.trigger_fields(), timezone=config.school.zone
    )
    fire = trigger.get_next_fire_time(None, since)
    if fire is not None and fire <= since:
        fire = trigger.get_next_fire_time(None, since + timedelta(seconds=1))
    return fire is not None and fire <= now


def queue_digest(
    tx: Transaction, config: Config, start: datetime, end: datetime, now: datetime
) -> int | None:
    """Build the digest of [start, end), queue it and record the window; None if already built."""
    assert config.email is not None
    digest = build(tx, config, start, end)
    text, html = render_digest(digest, config)
    message = outbox.NewMessage(
        kind=OutboxKind.DIGEST,
        idempotency_key=f"digest:{start.isoformat()}",
        message_id=new_message_id(config.email.sender, "digest"),
        recipients=tuple(config.email.to),
        subject=digest.subject,
        body_text=text,
        body_html=html,
    )
    outbox_id = outbox.add(tx, message, now)
    if outbox_id is None or digests.add(tx, start, end, outbox_id, now) is None:
        return None
    return outbox_id


def send_digest_if_due(store: Store, config: Config, now: datetime) -> int | None:
    """Queue and send the digest when the schedule says so; the outbox id, or None if not due."""
    if config.email is None:
        return None
    with store.transaction() as tx:
        if not is_due(config, tx, now):
            return None
        outbox_id = queue_digest(tx, config, window_start(tx, now), now, now)
    if outbox_id is not None:
        dispatch(store, config, now)
    return outbox_id


def queue_now(store: Store, config: Config, now: datetime) -> int | None:
    """Queue the digest of [end of the last one, now) whatever the schedule; None if empty."""
    with store.transaction() as tx:
        start = window_start(tx, now)
        if start >= now:
            return None
        return queue_digest(tx, config, start, now, now)


def send_now(store: Store, config: Config, now: datetime) -> int | None:
    """Queue the digest of [end of the last one, now) whatever the schedule, and send it."""
    outbox_id = queue_now(store, config, now)
    if outbox_id is not None:
        dispatch(store, config, now)
    return outbox_id


def preview(store: Store, config: Config, now: datetime) -> tuple[str, str]:
    """(plain text, HTML) of the digest that would be sent now; nothing is stored."""
    with store.transaction(read_only=True) as tx:
        start = window_start(tx, now)
        digest = build(tx, config, min(start, now), now)
    return render_digest(digest, config)
