"""The digest: what was said about the school in [end of the last digest, now), on a schedule.

    send_digest_if_due(store, config, now) -> outbox id | None     the daemon calls this
    queue_digest(tx, config, start, end, now) -> outbox id | None  build, store, queue one window
    preview(store, config, now, school) -> html                    what would be sent now

Windows tile time: a digest covers [start, end) where start is the end of the last digest, and
`digest.window_start` is UNIQUE, so a window is built once however often (or however many
processes) ask. The first digest is due at the first scheduled time after the monitor stored its
first mention, and covers the 7 days before it.

A trust (`[schools.<id>]`) gets, for each window, one digest per audience, queued in the same
transaction: the trust digest to `[email] to` (the trust's totals, then one section per school,
then what is about no school in particular), and each school with its own `to` its own digest
with only its mentions and alerts. Their outbox keys are "digest:<start>" (the trust's, as for a
single school) and "digest:<school>:<start>", so each audience gets each window once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from monitor.config.settings import Config
from monitor.mail import sections
from monitor.mail.compose import header_text, new_message_id
from monitor.mail.delivery import dispatch
from monitor.mail.render import ItemView, item_view, local_date, local_time, render
from monitor.mail.urgent import SAFEGUARDING_RULE, AlertView, alert_views
from monitor.model import Alert, Mention, OutboxKind, Severity
from storage import digests, outbox
from storage.database import Store, Transaction

FIRST_WINDOW = timedelta(days=7)
PRAISE_RULE = "praise"
# Items listed per section: keeps a busy day's HTML well under Gmail's 102 KB clipping limit.
MAX_PER_SECTION = 10


@dataclass(frozen=True, slots=True)
class News:
    """One school's part of a trust digest: its counts, alerts, praise and other mentions."""

    title: str
    mention_count: int
    tones: dict[str, int]
    open_alerts: int
    alert_groups: list[tuple[str, list[AlertView], int]]
    praise: list[AlertView]
    others: list[ItemView]
    others_left: int


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
    # A trust digest: one section per school; the lists above then hold what is about no school.
    schools: list[News] = field(default_factory=list)

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


def build(
    tx: Transaction, config: Config, start: datetime, end: datetime, school: str | None = None
) -> Digest:
    """The digest of [start, end), read inside `tx`: the whole deployment's, or `school`'s."""
    table = None if school is None else config.school_tables[school]
    zone = config.school.zone if table is None else table.zone
    new = digests.mentions_seen(tx, start, end, school)
    raised = digests.alerts_created(tx, start, end, school)
    per_school: list[News] = []
    rest, rest_raised = new, raised
    if school is None and config.is_trust:
        for school_id, each in config.school_tables.items():
            mine = [mention for mention in new if school_id in mention.schools]
            theirs = [alert for alert in raised if school_id in alert.schools]
            open_alerts = digests.open_alert_count(tx, school_id)
            per_school.append(news(tx, config, zone, each.name, mine, theirs, open_alerts))
        rest = [mention for mention in new if not mention.schools]
        rest_raised = [alert for alert in raised if not alert.schools]
    top = news(tx, config, zone, "", rest, rest_raised, 0)
    sources = config.sources if school is None else config.sources_of(school)
    unreplied, unreplied_total = digests.unreplied_reviews(tx, MAX_PER_SECTION, school)
    by_source: dict[str, int] = {}
    for mention in new:
        by_source[mention.source] = by_source.get(mention.source, 0) + 1
    return Digest(
        school=config.school.name if table is None else table.name,
        start=start,
        end=end,
        period=f"{local_date(end, zone)}",
        mention_count=len(new),
        by_source=sorted(by_source.items(), key=lambda pair: (-pair[1], pair[0])),
        tones=tone_counts(new),
        open_alerts=digests.open_alert_count(tx, school),
        alert_groups=top.alert_groups,
        praise=top.praise,
        others=top.others,
        others_left=top.others_left,
        ratings=sections.rating_lines(tx, config, start, end, new, sources),
        inspections=sections.inspection_lines(tx, sources, zone),
        unreplied=[item_view(mention, zone) for mention in unreplied],
        unreplied_total=unreplied_total,
        health=sections.health_lines(tx, sources, zone),
        trend=sections.trend(
            digests.labels_seen(tx, end - timedelta(weeks=sections.TREND_WEEKS), end, school),
            end,
            zone,
        ),
        baseline=digests.baseline_count(tx, start, end, school),
        quiet_since=None if new else local_time(start, zone),
        schools=per_school,
    )


def news(
    tx: Transaction,
    config: Config,
    zone: ZoneInfo,
    title: str,
    new: Sequence[Mention],
    raised: Sequence[Alert],
    open_alerts: int,
) -> News:
    """What `new` mentions and `raised` alerts show: alerts by severity, praise, the rest."""
    alerted = {alert.mention_id for alert in raised}
    praise = [alert for alert in raised if alert.rule == PRAISE_RULE]
    serious = [alert for alert in raised if alert.rule != PRAISE_RULE]
    others = sorted(
        (mention for mention in new if mention.id not in alerted),
        key=lambda mention: mention.sentiment.compound if mention.sentiment else 0.0,
    )
    return News(
        title=title,
        mention_count=len(new),
        tones=tone_counts(new),
        open_alerts=open_alerts,
        alert_groups=grouped(tx, config, serious, zone),
        praise=alert_views(tx, config, praise[:MAX_PER_SECTION], zone),
        others=[item_view(mention, zone) for mention in others[:MAX_PER_SECTION]],
        others_left=max(len(others) - MAX_PER_SECTION, 0),
    )


def tone_counts(found: Sequence[Mention]) -> dict[str, int]:
    """How many of `found` are negative, neutral and positive."""
    tones = dict.fromkeys(sections.TONES, 0)
    for mention in found:
        tone = sections.tone_of(mention.labels)
        if tone is not None:
            tones[tone] += 1
    return tones


def grouped(
    tx: Transaction, config: Config, alerts: list[Alert], zone: ZoneInfo | None = None
) -> list[tuple[str, list[AlertView], int]]:
    """Alerts by severity, most severe first; each group at most MAX_PER_SECTION long."""
    groups = []
    for severity in Severity:
        chosen = sorted(
            (alert for alert in alerts if alert.severity is severity),
            key=lambda alert: (alert.rule != SAFEGUARDING_RULE, alert.created_at, alert.id),
        )
        if chosen:
            listed = alert_views(tx, config, chosen[:MAX_PER_SECTION], zone)
            groups.append((str(severity), listed, len(chosen)))
    return groups


def render_digest(digest: Digest, config: Config, school: str | None = None) -> tuple[str, str]:
    """(plain text, HTML) of a digest (of `school`, when it is that school's own)."""
    table = config.school if school is None else config.school_tables[school]
    zone = table.zone
    values = {
        "d": digest,
        "window": f"{local_time(digest.start, zone)} to {local_time(digest.end, zone)}",
        "zone": table.timezone,
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
    """Build the window's digests, queue them and record the window; None if already built.

    Returns the outbox id of the digest to `[email] to` (the trust's, or the one school's).
    """
    assert config.email is not None
    outbox_id = queue_one(
        tx, config, None, config.email.to, f"digest:{start.isoformat()}", start, end, now
    )
    if outbox_id is None or digests.add(tx, start, end, outbox_id, now) is None:
        return None
    if config.is_trust:
        for school, table in config.school_tables.items():
            if table.to:  # without a `to` of its own, its news is in the trust digest only
                key = f"digest:{school}:{start.isoformat()}"
                queue_one(tx, config, school, table.to, key, start, end, now)
    return outbox_id


def queue_one(
    tx: Transaction,
    config: Config,
    school: str | None,
    recipients: Sequence[str],
    key: str,
    start: datetime,
    end: datetime,
    now: datetime,
) -> int | None:
    """Build one audience's digest of [start, end) and queue it under `key`; None if taken."""
    assert config.email is not None
    digest = build(tx, config, start, end, school)
    text, html = render_digest(digest, config, school)
    message = outbox.NewMessage(
        kind=OutboxKind.DIGEST,
        idempotency_key=key,
        message_id=new_message_id(config.email.sender, "digest"),
        recipients=tuple(recipients),
        subject=digest.subject,
        body_text=text,
        body_html=html,
    )
    return outbox.add(tx, message, now)


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


def preview(
    store: Store, config: Config, now: datetime, school: str | None = None
) -> tuple[str, str]:
    """(plain text, HTML) of the digest (`school`'s, if given) that would be sent now.

    Nothing is stored.
    """
    with store.transaction(read_only=True) as tx:
        start = window_start(tx, now)
        digest = build(tx, config, min(start, now), now, school)
    return render_digest(digest, config, school)
