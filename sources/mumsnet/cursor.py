"""What the Mumsnet source remembers between polls, as typed values and as the saved JSON.

    {"threads": {"5412345": {"topic", "title", "title_mentions", "next_page", "opening_key",
                             "seen_keys", "last_activity", "found_at", "disallowed", "gone"}},
     "deferred": [5412345, ...],      # threads with pages unread when max_pages_per_poll ran out
     "discovery_incomplete": false,   # topic pages left unread for the same reason
     "refusals": {"count": 1, "retry_at": "2026-10-27T12:30:00Z"}}   # 403/429 in a row

`next_page` is the first page to read next time: the last page once a thread has been read to
its end (only it can hold new posts), with `seen_keys` the posts already read on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from monitor.times import utc_iso
from sources.mumsnet.urls import TOPIC, ThreadRef


@dataclass(frozen=True, slots=True)
class ThreadState:
    """One known thread: where to read from next, and what was read there already."""

    thread: ThreadRef
    title: str
    title_mentions: bool
    found_at: datetime
    next_page: int = 1
    opening_key: str | None = None  # None until page 1 has been read: the thread is new
    seen_keys: tuple[str, ...] = ()
    last_activity: datetime | None = None
    disallowed: bool = False  # robots.txt closes it to us: never requested
    gone: bool = False  # 404/410: deleted or moved; not asked for again

    @property
    def active_since(self) -> datetime:
        """The latest post seen, or when the thread was found when none was."""
        return self.last_activity or self.found_at

    def to_json(self) -> dict[str, Any]:
        """The saved form."""
        return {
            "topic": self.thread.topic,
            "title": self.title,
            "title_mentions": self.title_mentions,
            "found_at": utc_iso(self.found_at, "seconds"),
            "next_page": self.next_page,
            "opening_key": self.opening_key,
            "seen_keys": list(self.seen_keys),
            "last_activity": utc_iso(self.last_activity, "seconds") if self.last_activity else None,
            "disallowed": self.disallowed,
            "gone": self.gone,
        }

    @classmethod
    def from_json(cls, thread_id: str, data: object) -> ThreadState | None:
        """The saved form read back; None when it is malformed (the thread starts afresh)."""
        if not (thread_id.isdigit() and isinstance(data, Mapping)):
            return None
        topic, found_at = data.get("topic"), moment(data.get("found_at"))
        next_page, keys = data.get("next_page"), data.get("seen_keys")
        if not (isinstance(topic, str) and TOPIC.fullmatch(topic) and found_at):
            return None
        if not (isinstance(next_page, int) and next_page >= 1 and isinstance(keys, list)):
            return None
        opening = data.get("opening_key")
        return cls(
            ThreadRef(int(thread_id), topic),
            str(data.get("title") or ""),
            data.get("title_mentions") is True,
            found_at,
            next_page,
            opening if isinstance(opening, str) else None,
            tuple(str(key) for key in keys),
            moment(data.get("last_activity")),
            data.get("disallowed") is True,
            data.get("gone") is True,
        )


@dataclass(frozen=True, slots=True)
class Refusals:
    """403/429 answers in a row, and when we may ask again."""

    count: int = 0
    retry_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MumsnetCursor:
    """Everything the source saves."""

    threads: dict[int, ThreadState] = field(default_factory=dict)
    deferred: tuple[int, ...] = ()
    discovery_incomplete: bool = False
    refusals: Refusals = Refusals()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MumsnetCursor:
        """The cursor saved last time; malformed parts are dropped."""
        threads: dict[int, ThreadState] = {}
        raw = data.get("threads")
        for key, value in raw.items() if isinstance(raw, Mapping) else []:
            state = ThreadState.from_json(str(key), value)
            if state is not None:
                threads[state.thread.thread_id] = state
        deferred = data.get("deferred")
        refused = data.get("refusals")
        refusals = Refusals()
        if isinstance(refused, Mapping) and isinstance(refused.get("count"), int):
            refusals = Refusals(refused["count"], moment(refused.get("retry_at")))
        return cls(
            threads,
            tuple(i for i in deferred if isinstance(i, int)) if isinstance(deferred, list) else (),
            data.get("discovery_incomplete") is True,
            refusals,
        )

    def to_json(self) -> dict[str, Any]:
        """The cursor as JSON for the scan to save."""
        return {
            "threads": {str(key): state.to_json() for key, state in sorted(self.threads.items())},
            "deferred": list(self.deferred),
            "discovery_incomplete": self.discovery_incomplete,
            "refusals": {
                "count": self.refusals.count,
                "retry_at": utc_iso(self.refusals.retry_at, "seconds")
                if self.refusals.retry_at
                else None,
            },
        }

    def refused(self, retry_at: datetime) -> MumsnetCursor:
        """This cursor with one more refusal counted."""
        return replace(self, refusals=Refusals(self.refusals.count + 1, retry_at))


def moment(value: object) -> datetime | None:
    """An ISO 8601 text read back as an aware UTC datetime; None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None
