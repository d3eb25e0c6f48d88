"""The domain, defined once: the enumerations and the typed values that cross module boundaries.

Every closed set of values (item types, visibility, health, severity, alert status and actions,
outbox kind and status, scan outcome, trigger) is a StrEnum here; storage builds its CHECK
constraints from them and the CLI and JSON output print their values. Everything else is a
frozen dataclass: sources build `Item`s, the scan scores them into `Sentiment`, the rules draft
`AlertDraft`s, storage turns rows back into `Mention`, `Alert` and `SourceState`. Facts an
adapter hands to the rules (`RevisionFacts`, `InspectionFacts`, `ParentViewFacts`) are typed
fields of `Item` and `Mention`, never free keys of `extra`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from monitor.times import utc_iso

if TYPE_CHECKING:
    from pydantic import TypeAdapter


class ItemType(StrEnum):
    """What kind of thing a source found."""

    REVIEW = "review"
    REVISION = "revision"
    ARTICLE = "article"
    THREAD = "thread"
    POST = "post"
    COMMENT = "comment"
    ENTRY = "entry"
    REPORT = "report"  # an inspection report (or survey results) published about the school


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
    HIDDEN = "hidden"  # the comment was hidden on the school's own page
    UNHIDDEN = "unhidden"
    NOTE = "note"


# What a person can record with `monitor alerts action ID ACTION` (DESIGN.md 7).
USER_ACTIONS = (
    AlertAction.REQUESTED_DELETION,
    AlertAction.REPORTED_TO_PLATFORM,
    AlertAction.CONTACTED_POSH,
    AlertAction.CONTACTED_POLICE,
    AlertAction.REPLIED_PUBLICLY,
    AlertAction.HIDDEN,
    AlertAction.UNHIDDEN,
    AlertAction.NOTE,
)


class Role(StrEnum):
    """What a user of the web page may see and do (`monitor users add --role`)."""

    SLT = "slt"  # sees and acts on alerts; safeguarding details withheld
    DSL = "dsl"  # also sees safeguarding details in full
    ADMIN = "admin"  # also sees source health and the users; safeguarding details withheld


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


class EditorKind(StrEnum):
    """Who made a wiki edit."""

    REGISTERED = "registered"
    TEMPORARY = "temporary"  # a temporary account: logged-out editing since November 2025
    ANONYMOUS = "anonymous"  # an IP address: logged-out editing before temporary accounts
    HIDDEN = "hidden"  # the user name was revision-deleted


@dataclass(frozen=True, slots=True)
class RevisionFacts:
    """What the wikipedia adapter tells the rules about one revision (`wikipedia_vandalism`)."""

    editor: EditorKind
    size_delta: int | None  # bytes the page grew by (negative: shrank); None when unknown
    bytes_removed: int | None  # bytes the page shrank by (0 when it grew); None when unknown
    removed_share: float | None  # bytes_removed as a share of the page before (0–1)
    blanking: bool  # the page was emptied, or (nearly) all of it removed
    replaced: bool  # the wiki tagged the edit as replacing the page's content
    offensive_words: tuple[str, ...]  # listed offensive words the edit added
    is_revert: bool  # the edit reverts others (rollback, undo, manual revert)
    reverted: bool  # the wiki has since reverted this edit
    revert_risk: float | None  # Lift Wing's probability of a revert; None: not scored

    kind: ClassVar[str] = "revision"  # how stored facts say which type they are
    # Read back from storage strictly: a missing, extra or mistyped field is an error.
    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid", "strict": True}


@dataclass(frozen=True, slots=True)
class InspectionFacts:
    """What the ofsted adapter tells the rules about one inspection report (`ofsted_report`).

    Grades are kept as published ((area, grade) pairs, in the page's order): the rules know the
    scales, the adapter only reads them.
    """

    report: str  # the report's type as published: "Report card", "School inspection report"
    inspection_start: date | None
    inspection_end: date | None
    grades: tuple[tuple[str, str], ...]  # (area, grade): report-card areas, or older key judgements
    safeguarding: str | None  # "Met" or "Not met"; None when the report shows none
    overall: str | None  # older reports' overall effectiveness ("Good"); None for report cards
    category_of_concern: str | None  # "Special measures", "Serious weaknesses"; None: none known
    previous_grades: tuple[tuple[str, str], ...]  # the report before this one's, for "a grade fell"
    previous_overall: str | None
    management_information: date | None  # "as at" date of the MI file that gave facts; None: none

    kind: ClassVar[str] = "inspection"
    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid", "strict": True}


@dataclass(frozen=True, slots=True)
class ParentViewFacts:
    """What the ofsted adapter tells the rules about Parent View's figures (`parent_view_fall`)."""

    responses: int  # how many parents answered, as the results page says
    up_to: date | None  # "Figures based on N responses up to DD-MM-YYYY"
    agree: tuple[tuple[str, int], ...]  # (question key, per cent agreeing or answering yes)
    previous_agree: tuple[tuple[str, int], ...]  # the figures read before these (empty: none)

    kind: ClassVar[str] = "parent_view"
    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid", "strict": True}


# Every type of facts an adapter may hand on.
Facts = RevisionFacts | InspectionFacts | ParentViewFacts
FACT_TYPES: dict[str, type[Facts]] = {
    kind.kind: kind for kind in (RevisionFacts, InspectionFacts, ParentViewFacts)
}
FACTS_KEY = "facts"  # facts are stored inside the mention's extra JSON under this one key


class FactsError(ValueError):
    """Stored facts are not what their type declares (a field missing, renamed or mistyped)."""


def facts_to_json(facts: Facts) -> dict[str, Any]:
    """`facts` as JSON for storage, with the `kind` that says how to read them back."""
    return {"kind": facts.kind, **_facts_adapter(facts.kind).dump_python(facts, mode="json")}


def facts_from_json(value: object) -> Facts:
    """Facts stored by `facts_to_json`, validated; FactsError names what is wrong."""
    if not isinstance(value, Mapping) or value.get("kind") not in FACT_TYPES:
        raise FactsError(f"stored facts of no known kind ({', '.join(FACT_TYPES)})")
    kind = FACT_TYPES[value["kind"]]
    fields = {key: item for key, item in value.items() if key != "kind"}
    from pydantic import ValidationError

    try:
        # Through JSON text: stored facts are JSON, and strict JSON mode reads arrays as tuples.
        return _facts_adapter(kind.kind).validate_json(json.dumps(fields))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise FactsError(f"stored {kind.__name__} are not valid: {problems}") from None


@functools.cache
def _facts_adapter(kind: str) -> TypeAdapter[Facts]:
    # pydantic is imported on first use: most commands never read facts.
    from pydantic import TypeAdapter

    return TypeAdapter(FACT_TYPES[kind])


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
    # What the adapter tells the rules, typed (the type its capabilities declare).
    facts: Facts | None = None

    def __post_init__(self) -> None:
        if self.item_type not in ITEM_TYPES:
            raise ValueError(f"unknown item_type {self.item_type!r}")
        if self.visibility not in VISIBILITIES:
            raise ValueError(f"unknown visibility {self.visibility!r}")
        if self.facts is not None and not isinstance(self.facts, tuple(FACT_TYPES.values())):
            known = ", ".join(kind.__name__ for kind in FACT_TYPES.values())
            raise TypeError(f"Item.facts must be one of {known}, not {type(self.facts).__name__}")
        if FACTS_KEY in self.extra:
            raise ValueError(f"Item.extra[{FACTS_KEY!r}] is where Item.facts are stored")
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
    # The tone model's chance that a school leader reads the text as negative / positive
    # (judgement/tone.py); None when not judged (a scorer without the school lexicon): then
    # the label comes from VADER's compound and worst sentence.
    p_negative: float | None = None
    p_positive: float | None = None


@dataclass(frozen=True, slots=True)
class Tone:
    """Where the tone label's lines fall ([sentiment]).

    With the tone model (the default), by its chances: negative when P(negative) is at or above
    `negative_probability`, else positive when P(positive) is at or above `positive_probability`.
    Chosen by leaving one writer out on the development half (docs/performance.md): they catch
    more complaints than the most likely class would, at a small cost in neutral recall.
    Without it (no school lexicon), by VADER's compound and worst sentence.
    """

    negative: float = -0.3  # compound at or below: negative
    positive: float = 0.5  # compound at or above (and not negative): positive
    sentence: float = -0.4  # one sentence at or below: negative, whatever the rest says
    negative_probability: float = 0.35  # P(negative) at or above: negative
    positive_probability: float = 0.45  # P(positive) at or above (and not negative): positive

    def by_chances(self, p_negative: float, p_positive: float) -> Label:
        """The label the tone model's chances give (the model's reasons explain this one)."""
        if p_negative >= self.negative_probability:
            return Label.NEGATIVE
        if p_positive >= self.positive_probability:
            return Label.POSITIVE
        return Label.NEUTRAL


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
    facts: Facts | None = None  # None: the adapter handed on none for this mention
    # Ids of the schools it is about (storage.schools fills them where they are shown).
    schools: tuple[str, ...] = ()

    def as_item(self) -> Item:
        """The stored mention as the item an adapter would hand on (to score or change it again)."""
        return Item(
            external_id=self.external_id,
            item_type=self.item_type,
            text=self.text,
            url=self.url,
            title=self.title,
            author=self.author,
            published_at=self.published_at,
            rating=self.rating,
            parent_external_id=self.parent_external_id,
            extra=dict(self.extra),
            baseline=self.baseline,
            visibility=self.visibility,
            facts=self.facts,
        )

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
            "schools": list(self.schools),
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
    # Ids of the schools its mention is about (none for a source-health alert).
    schools: tuple[str, ...] = ()

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
            "schools": list(self.schools),
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
    return None if moment is None else utc_iso(moment)


@dataclass(frozen=True, slots=True)
class User:
    """Someone who may sign in to the web page."""

    id: int
    email: str  # lower case, the sign-in address
    name: str | None
    role: Role
    created_at: datetime
    schools: tuple[str, ...] = ()  # the school ids they are limited to; none: every school

    @property
    def actor(self) -> str:
        """How the incident log names this user: the sign-in address, unique and checkable."""
        return self.email


@dataclass(frozen=True, slots=True)
class WebSession:
    """A signed-in browser: a server-side row the cookie points at (by the hash of its token)."""

    id: int
    user: User
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime  # the absolute end, however active the session


@dataclass(frozen=True, slots=True)
class LoginToken:
    """A pending email sign-in: link and code, stored only as hashes; used once."""

    id: int
    user_id: int
    code_hash: str
    code_attempts: int
    next_path: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
