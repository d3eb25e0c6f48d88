"""Typed values that cross module boundaries: items from sources, mentions, sentiment, source state.

Everything here is a frozen dataclass: sources build `Item`s, the scan scores them into
`Sentiment`, storage turns rows back into `Mention` and `SourceState`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

ITEM_TYPES = ("review", "revision", "article", "thread", "post", "comment", "entry")


class Health(StrEnum):
    """How a source is doing, as shown by `monitor status`."""

    OK = "ok"
    FAILING = "failing"
    AUTH_EXPIRED = "auth_expired"
    BLOCKED = "blocked"
    PARSER_BROKEN = "parser_broken"


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

    def __post_init__(self) -> None:
        if self.item_type not in ITEM_TYPES:
            raise ValueError(f"unknown item_type {self.item_type!r}")
        if self.published_at is not None and self.published_at.utcoffset() is None:
            raise ValueError("published_at must be timezone-aware")


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
class FetchResult:
    """What one poll of a source returns: new or changed items and the state to save with them."""

    items: list[Item]
    cursor: Mapping[str, Any] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    requests: int = 0  # HTTP requests made, for the re-scan benchmark and the scan summary


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
        }


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

    def to_json(self) -> dict[str, Any]:
        """The firm JSON shape of `status --format json`."""
        return {
            "name": self.name,
            "type": self.type,
            "enabled": self.enabled,
            "health": self.health,
            "last_success_at": _iso(self.last_success_at),
            "last_error": self.last_error,
            "consecutive_failures": self.consecutive_failures,
            "mention_count": self.mention_count,
        }


def _iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
