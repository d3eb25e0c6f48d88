"""The digest's sections that need more than a query: ratings, inspections, health, 8-week bars.

Each function returns plain values the templates show; nothing here formats HTML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from monitor.config.settings import Config
from monitor.mail.render import local_date, local_time, safe_link, trim
from monitor.model import Health, InspectionFacts, ItemType, Mention
from sources.base import SourceConfig, adapter_for
from sources.common.text import masked_line
from storage import digests, ratings, source_state
from storage.database import Transaction

TREND_WEEKS = 8
# Per cent of the row for the busiest week's bar: widths in pixels would not shrink on a phone.
# The rest of the row holds the week's count.
BAR_PERCENT = 85
TEXT_BAR_WIDTH = 40  # characters for it in the plain-text part
TEXT_MARKS = {"negative": "-", "neutral": ".", "positive": "+"}
TONES = ("negative", "neutral", "positive")
# A service shows a review some time after it is written: one written shortly before the window
# that appears only now is still one of the window's new ratings.
PUBLISH_LAG = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class RatingLine:
    """One review source's overall rating now, what it was, and ratings the API does not show."""

    source: str
    average: str
    count: int | None
    change: str | None  # "up 0.1 from 4.2 (52 ratings)"
    hidden: int  # ratings counted by the service with no review we could see


@dataclass(frozen=True, slots=True)
class InspectionLine:
    """A source's latest inspection report: what it is, when, and every grade it gave."""

    source: str
    report: str  # "Report card, 3 February 2026 - 4 February 2026"
    grades: tuple[str, ...]  # "Inclusion: Strong standard", …, "Safeguarding: Met"
    concern: str | None  # the category of concern, when the MI file names one
    as_at: str | None  # "Ofsted management information as at 28 February 2026"
    link: str | None
    seen: str  # when the monitor first stored it, in the school's zone


@dataclass(frozen=True, slots=True)
class HealthLine:
    """A configured source that is not healthy."""

    source: str
    type: str
    health: str
    failures: int
    last_success: str
    error: str


@dataclass(frozen=True, slots=True)
class Bar:
    """One coloured segment of a week's bar, `percent` of the row wide."""

    tone: str
    count: int
    percent: int


@dataclass(frozen=True, slots=True)
class TrendWeek:
    """Mentions of one week by tone, with the bar that draws them."""

    label: str
    total: int
    counts: Mapping[str, int]
    bars: tuple[Bar, ...]
    text_bar: (
        str  # the same bar in characters for the plain-text part: - negative . neutral + positive
    )


def rating_lines(
    tx: Transaction,
    config: Config,
    start: datetime,
    end: datetime,
    new: Sequence[Mention],
    sources: Mapping[str, SourceConfig] | None = None,
) -> list[RatingLine]:
    """For each source with rating snapshots: the rating at `end` against the one at `start`.

    `sources` keeps the lines of those sources (a school's digest: the sources serving it).
    """
    lines: list[RatingLine] = []
    recent = [
        snap
        for snap in ratings.history(tx, since=start)
        if snap.recorded_at < end and (sources is None or snap.source in sources)
    ]
    for source in dict.fromkeys(snap.source for snap in recent):
        latest = [snap for snap in recent if snap.source == source][-1]
        before = ratings.latest_before(tx, source, start)
        change = None
        hidden = 0
        if before is not None and before.average is not None and latest.average is not None:
            delta = latest.average - before.average
            direction = "up" if delta > 0 else "down" if delta < 0 else "unchanged"
            amount = f" {abs(delta):.1f}" if delta else ""
            change = f"{direction}{amount} from {before.average:.1f} ({before.count or 0} ratings)"
        source_config = config.sources.get(source)
        shown = None if source_config is None else shows_every_review(source_config)
        if shown is False and before is not None:
            reviews = [m for m in new if m.source == source and m.item_type == ItemType.REVIEW]
            hidden = hidden_ratings(before.count, latest.count, reviews, start)
        lines.append(
            RatingLine(
                source=source,
                average="–" if latest.average is None else f"{latest.average:.1f}",
                count=latest.count,
                change=change,
                hidden=hidden,
            )
        )
    return lines


def hidden_ratings(
    count_before: int | None, count_now: int | None, new_reviews: Sequence[Mention], since: datetime
) -> int:
    """New ratings since `since` that no newly shown review accounts for (0 when unknown).

    For a service that shows only some reviews (Places: five "most relevant"): the rise in its
    rating count, less the reviews first stored since then that were written then too. An old
    review promoted into the ones shown is not a new rating.
    """
    if count_before is None or count_now is None:
        return 0  # the service gave no count: nothing to compare
    written_since = [
        review
        for review in new_reviews
        if review.published_at is None or review.published_at >= since - PUBLISH_LAG
    ]
    return max(count_now - count_before - len(written_since), 0)


def shows_every_review(source: SourceConfig) -> bool | None:
    """Whether the source's service shows every review it counts (None: it reports no rating)."""
    ratings = adapter_for(source.type).capabilities.ratings
    return None if ratings is None else ratings.every_review_visible


def inspection_lines(
    tx: Transaction, sources: Mapping[str, SourceConfig], zone: ZoneInfo
) -> list[InspectionLine]:
    """For each of `sources` that hands on inspection facts: its latest report and grades."""
    lines: list[InspectionLine] = []
    for name, source in sources.items():
        if InspectionFacts not in adapter_for(source.type).capabilities.fact_types:
            continue
        reports = [
            (mention, mention.facts)
            for mention in digests.mentions_of_type(tx, name, ItemType.REPORT)
            if isinstance(mention.facts, InspectionFacts)
        ]
        if not reports:
            continue
        mention, facts = max(
            reports, key=lambda pair: (pair[1].inspection_start or date.min, pair[0].id)
        )
        grades = [f"{area}: {grade}" for area, grade in facts.grades]
        if facts.safeguarding is not None:
            grades.append(f"Safeguarding: {facts.safeguarding}")
        if facts.overall is not None:
            grades.append(f"Overall effectiveness: {facts.overall}")
        title = mention.title or facts.report
        as_at = facts.management_information
        lines.append(
            InspectionLine(
                source=name,
                report=trim(title.removeprefix("Ofsted "), 150),
                grades=tuple(trim(grade, 80) for grade in grades),
                concern=facts.category_of_concern,
                as_at=None
                if as_at is None
                else f"Ofsted management information as at {as_at.day} {as_at:%B %Y}",
                link=safe_link(mention.url),
                seen=local_date(mention.first_seen_at, zone),
            )
        )
    return lines


def health_lines(
    tx: Transaction, sources: Mapping[str, SourceConfig], zone: ZoneInfo
) -> list[HealthLine]:
    """Those of `sources` whose last poll failed, most failures first."""
    states = source_state.statuses(tx)
    lines = [
        HealthLine(
            source=name,
            type=source.type,
            health=str(state.health),
            failures=state.consecutive_failures,
            last_success=local_time(state.last_success_at, zone)
            if state.last_success_at
            else "never",
            error=masked_line(state.last_error, 300),
        )
        for name, source in sources.items()
        if (state := states.get(name)) is not None and state.health is not Health.OK
    ]
    return sorted(lines, key=lambda line: (-line.failures, line.source))


def tone_of(labels: Sequence[str]) -> str | None:
    """negative | neutral | positive from a mention's labels (None when it was not scored)."""
    return next((tone for tone in TONES if tone in labels), None)


def trend(
    seen: Sequence[tuple[datetime, Sequence[str]]], end: datetime, zone: ZoneInfo
) -> list[TrendWeek]:
    """TREND_WEEKS weeks ending at `end`, oldest first: mentions per tone and bar widths."""
    starts = [end - timedelta(weeks=TREND_WEEKS - index) for index in range(TREND_WEEKS)]
    counts = [dict.fromkeys(TONES, 0) for _ in starts]
    for moment, labels in seen:
        tone = tone_of(labels)
        index = (moment - starts[0]) // timedelta(weeks=1)
        if tone is not None and 0 <= index < TREND_WEEKS:
            counts[index][tone] += 1
    busiest = max((sum(week.values()) for week in counts), default=0) or 1
    weeks = []
    for week_start, week in zip(starts, counts, strict=True):
        bars = tuple(
            Bar(tone, count, max(count * BAR_PERCENT // busiest, 1))
            for tone, count in week.items()
            if count
        )
        text_bar = "".join(
            TEXT_MARKS[tone] * max(round(count * TEXT_BAR_WIDTH / busiest), 1)
            for tone, count in week.items()
            if count
        )
        local = week_start.astimezone(zone)
        label = f"{local.day} {local:%b}"
        weeks.append(TrendWeek(label, sum(week.values()), week, bars, text_bar))
    return weeks
