"""The domain, defined once: the enumerations and the typed values that cross module boundaries.

Every closed set of values (item types, visibility, health, severity, alert status and actions,
outbox kind and status, scan outcome, trigger) is a StrEnum here; storage builds its CHECK
constraints from them and the CLI and JSON output print their values. Everything else is a
frozen dataclass: sources build `Item`s, the scan scores them into `Sentiment`, the rules draft
`AlertDraft`s, storage turns rows back into `Mention`, `Alert` and `SourceState`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class ItemType(StrEnum):
    """What kind of thing a source found."""

    REVIEW = "review"
    REVISION = "revision"
    ARTICLE = "article"
    THREAD = "thread"
    POST = "post"
    COMMENT = "comment"
    ENTRY = "entry"


ITEM_TYPES = tuple(ItemType)


class Visibility(StrEnum):
    """Whether what a mention quotes can still be seen where it was posted."""

    VISIBLE = "visible"
    HIDDEN = "hidden"  # hidden by the page (its author and their friends still see it)
    REMOVED = "removed"  # deleted at the source; the stored text is kept as evidence


VISIBILITIES = tuple(Visibility)


class Health(StrEnum):
    """How a source is doing, as shown by `monitor status`."""

    OK = "ok"
    FAILING = "failing"
    AUTH_EXPIRED = "auth_expired"
    BLOCKED = "blocked"
    PARSER_BROKEN = "parser_broken"


class Severity(StrEnum):
    """How soon an alert needs a person: urgent is mailed at once, the rest wait for the digest."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for urgent up to 3 for info: lower is more severe."""
        return list(Severity).index(self)


class AlertStatus(StrEnum):
    """Where an alert is in its life: open → acknowledged → resolved, or dismissed."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class AlertAction(StrEnum):
    """One entry of the incident log (`alert_event.action`)."""

    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"
    REQUESTED_DELETION = "requested_deletion"
    REPORTED_TO_PLATFORM = "reported_to_platform"
    CONTACTED_POSH = "contacted_posh"
    CONTACTED_POLICE = "contacted_police"
    REPLIED_PUBLICLY = "replied_publicly"
    NOTE = "note"


# What a person can record with `monitor alerts action ID ACTION` (DESIGN.md 7).
USER_ACTIONS = (
    AlertAction.REQUESTED_DELETION,
    AlertAction.REPORTED_TO_PLATFORM,
    AlertAction.CONTACTED_POSH,
    AlertAction.CONTACTED_POLICE,
    AlertAction.REPLIED_PUBLICLY,
    AlertAction.NOTE,
)


class OutboxKind(StrEnum):
    """What an outbox message is."""

    URGENT = "urgent"
    DIGEST = "digest"
    HEALTH = "health"


class OutboxStatus(StrEnum):
    """Where an outbox message is: sent only after the SMTP server accepted it."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class ScanStatus(StrEnum):
    """What happened to one source in one scan."""

    OK = "ok"
    FAILED = "failed"
    RATE_LIMITED = "rate_limited"
    LOCKED = "locked"  # another worker holds the source's lease
    LEASE_LOST = "lease_lost"  # the lease expired mid-poll and another worker took it over


class Trigger(StrEnum):
    """Who started a scan."""

    MANUAL = "manual"
    SCHEDULED = "scheduled"


class Label(StrEnum):
    """Facts about a mention's text, stored with it and filterable (`mentions --label`)."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"
    LOW_RATING = "low_rating"
    STAFF_NAMED = "staff_named"


@dataclass(frozen=True, slots=True)
class Item:
    """One thing a source found, normalised; `external_id` is unique within the source."""

    external_id: str
    item_type: str
    text: str
    url: str | None = None
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None  # aware, UTC
    rating: float | None = None
    parent_external_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    # Some terms (Google Places) forbid keeping review text: it is blanked after this many days.
    retain_text_days: int | None = None
    # History the adapter read only to know where to start (a page or query newly added to a
    # source that has polled before): stored, never alerted, like a whole first poll.
    baseline: bool = False
    visibility: Visibility = Visibility.VISIBLE

    def __post_init__(self) -> None:
        if self.item_type not in ITEM_TYPES:
            raise ValueError(f"unknown item_type {self.item_type!r}")
        if self.visibility not in VISIBILITIES:
            raise ValueError(f"unknown visibility {self.visibility!r}")
        if self.published_at is not None and self.published_at.utcoffset() is None:
            raise ValueError("published_at must be timezone-aware")
        try:
            # `extra` is stored as JSON: refuse what would not round-trip now, at the adapter,
            # rather than as a database error that takes the whole poll down later.
            json.dumps(self.extra, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ValueError(f"Item.extra must be JSON: {error}") from None


@dataclass(frozen=True, slots=True)
class SourceState:
    """What a source remembers between polls (as handed to its adapter)."""

    name: str
    cursor: Mapping[str, Any] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    last_success_at: datetime | None = None

    @property
    def is_first_poll(self) -> bool:
        """True until the source has once been polled successfully."""
        return self.last_success_at is None


@dataclass(frozen=True, slots=True)
class RatingSummary:
    """A listing's overall rating as the service reports it at one poll (for the rating trend)."""

    average: float | None  # 1.0–5.0
    count: int | None  # how many ratings the service counts, shown or not


@dataclass(frozen=True, slots=True)
class RatingSnapshot:
    """A stored `RatingSummary`: which source, and when."""

    source: str
    recorded_at: datetime
    average: float | None
    count: int | None


MAX_SKIP_REASONS = 5  # distinct reasons kept with a count of skipped items


@dataclass(frozen=True, slots=True)
class Skipped:
    """Items a poll could not read and left out while keeping the rest: how many, and why.

    `reasons` are a few distinct one-line format errors, cut short and redacted: they name a
    field or a position, never more than a few characters of what the service sent.
    """

    count: int = 0
    reasons: tuple[str, ...] = ()

    def __add__(self, other: Skipped) -> Skipped:
        """Both tallies together (the reasons of both, each once, at most MAX_SKIP_REASONS)."""
        reasons = tuple(dict.fromkeys((*self.reasons, *other.reasons)))[:MAX_SKIP_REASONS]
        return Skipped(self.count + other.count, reasons)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one poll of a source returns: new or changed items and the state to save with them."""

    items: list[Item]
    cursor: Mapping[str, Any] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    requests: int = 0  # HTTP requests made, for the re-scan benchmark and the scan summary
    rating: RatingSummary | None = None  # review sources: recorded with the poll's commit
    # Malformed items left out (the rest stored); a page with none readable fails the poll.
    skipped: Skipped = field(default_factory=Skipped)


@dataclass(frozen=True, slots=True)
class Sentiment:
    """VADER scores of a text; `words` are the lexicon words that drove the score."""

    compound: float
    pos: float
    neu: float
    neg: float
    most_negative: float
    most_negative_sentence: str
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Tone:
    """Where the tone label's lines fall ([sentiment] negative/positive/sentence_threshold).

    Measured on the development half of benchmarks/data (see docs/performance.md): VADER's own
    ±0.05 called most neutral news and questions negative or positive; these keep them neutral
    while the complaint constructions carry a complaint well below −0.3.
    """

    negative: float = -0.3  # compound at or below: negative
    positive: float = 0.5  # compound at or above (and not negative): positive
    sentence: float = -0.4  # one sentence at or below: negative, whatever the rest says


DEFAULT_TONE = Tone()


@dataclass(frozen=True, slots=True)
class Mention:
    """A stored mention, as read back from storage."""

    id: int
    source: str
    source_type: str
    item_type: str
    external_id: str
    url: str | None
    title: str | None
    author: str | None
    text: str
    rating: float | None
    published_at: datetime | None
    first_seen_at: datetime
    updated_at: datetime
    version: int
    parent_external_id: str | None
    sentiment: Sentiment | None
    labels: tuple[str, ...]
    extra: Mapping[str, Any]
    baseline: bool
    visibility: Visibility = Visibility.VISIBLE

    def to_json(self) -> dict[str, Any]:
        """The firm JSON shape of a mention (DESIGN.md 7)."""
        return {
            "id": self.id,
            "source": self.source,
            "type": self.source_type,
            "item_type": self.item_type,
            "external_id": self.external_id,
            "url": self.url,
            "title": self.title,
            "author": self.author,
            "text": self.text,
            "rating": self.rating,
            "published_at": _iso(self.published_at),
            "first_seen_at": _iso(self.first_seen_at),
            "sentiment": None if self.sentiment is None else self.sentiment.compound,
            "labels": list(self.labels),
            "parent_external_id": self.parent_external_id,
            "visibility": str(self.visibility),
        }


@dataclass(frozen=True, slots=True)
class AlertDraft:
    """An alert a rule wants raised; `dedupe_key` makes it once-ever (e.g. "rule:source:id")."""

    rule: str
    severity: Severity
    summary: str
    dedupe_key: str
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    """A stored alert, as read back from storage."""

    id: int
    rule: str
    severity: Severity
    status: AlertStatus
    mention_id: int | None
    source: str | None
    summary: str
    dedupe_key: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The firm JSON shape of an alert (DESIGN.md 7)."""
        return {
            "id": self.id,
            "rule": self.rule,
            "severity": str(self.severity),
            "status": str(self.status),
            "mention_id": self.mention_id,
            "summary": self.summary,
            "created_at": _iso(self.created_at),
        }


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One append-only entry of the incident log."""

    id: int
    alert_id: int
    at: datetime
    actor: str
    action: AlertAction
    note: str | None


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """One configured source's health for `monitor status`."""

    name: str
    type: str
    enabled: bool
    health: str
    last_success_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    mention_count: int
    blocked_until: datetime | None = None
    next_poll_at: datetime | None = None  # when the daemon polls it next (next_due_at)
    remedy: str = ""  # what a person should do about its health ("" when nothing)
    skipped_items: int = 0  # unreadable items the last successful poll left out
    held_by: str | None = None  # the worker polling it now (host:pid:id), if any
    lag: float | None = None  # seconds from the daemon's last poll's due time to its start

    def to_json(self) -> dict[str, Any]:
        """The firm JSON shape of `status --format json` (firm keys first, then additions)."""
        return {
            "name": self.name,
            "type": self.type,
            "enabled": self.enabled,
            "health": self.health,
            "last_success_at": _iso(self.last_success_at),
            "last_error": self.last_error,
            "consecutive_failures": self.consecutive_failures,
            "mention_count": self.mention_count,
            "next_poll_at": _iso(self.next_poll_at),
            "remedy": self.remedy,
            "skipped_items": self.skipped_items,
            "held_by": self.held_by,
            "lag_seconds": self.lag,
        }


def _iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
