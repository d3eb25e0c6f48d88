"""What an adapter can do, declared with its registration, so the application asks, not guesses.

    CAPABILITIES = Capabilities(remedies=Remedies(auth_expired="…"), ratings=Ratings(...))

    @register("google_places", GooglePlacesConfig, CAPABILITIES)
    async def fetch(...) -> FetchResult: ...

`monitor status`, the health alerts, the digest and `monitor check` read these through
`sources.base.adapter_for(type).capabilities`; nothing outside an adapter compares its type name.
A plug-in that declares nothing gets `Capabilities()`: the generic remedies, no rating snapshots,
no webhook, no facts, no reply, no hide. Each built-in adapter declares them in its package's
`__init__.py`, beside its config model.

Responding where it happened (`monitor alerts reply|unreply|hide|unhide`): `reply` and `hide`
name the mentions the service lets the school answer or hide and the adapter's functions that
do it (in the adapter's package: `replies.py`, `moderation.py`); each returns `Changed`, the
mention's state as the next poll would store it, so the monitor records it at once. A write
that gets no answer is retried once, and only after the adapter has looked whether the first
one landed. `respond_instead` is what a person should do where the service takes neither.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from monitor.model import Facts, Health, Item, Mention, Visibility

if TYPE_CHECKING:
    from sources.http import PoliteClient

UPGRADE = (
    "upgrade reputation-monitor (docs/operations.md, Upgrading) and report it if the newest"
    " version fails too"
)


@dataclass(frozen=True, slots=True)
class Remedies:
    """What a person should do about a source of this type in each unhealthy state."""

    failing: str = (
        "retried with backoff; if it goes on, check the last error and the source's settings"
    )
    auth_expired: str = "reconnect: renew the key or token the source's settings refer to"
    blocked: str = "the service refuses us: check the last error; do not poll faster"
    parser_broken: str = "the service changed its pages or API: " + UPGRADE

    def for_health(self, health: str) -> str:
        """The remedy for a stored health value ("" for ok and for anything unknown)."""
        remedies: dict[str, str] = {
            Health.FAILING: self.failing,
            Health.AUTH_EXPIRED: self.auth_expired,
            Health.BLOCKED: self.blocked,
            Health.PARSER_BROKEN: self.parser_broken,
        }
        return remedies.get(health, "")


@dataclass(frozen=True, slots=True)
class Advice:
    """How the school acts on a mention where this source's service shows it (the policy's steps).

    Each is one sentence the mail, `monitor alerts show` and the web page show under an alert
    about a mention from this source: the rules say what kind of problem it is, the source says
    where and how the school can act on it. The defaults suit a service we know nothing about.
    """

    # How to answer in public here, if at all (a review's owner reply, a comment under a post).
    respond: str = (
        "If a reply helps, keep it short and polite and invite the writer to contact the school"
        " directly; never discuss individuals in public."
    )
    # How to get an offending post removed here (ask, hide, flag, report, correct).
    remove: str = (
        "If a member of the school community wrote it, ask them to delete it; otherwise report"
        " it to the service that shows it."
    )


@dataclass(frozen=True, slots=True)
class Ratings:
    """The source reports the listing's overall rating and rating count with each poll."""

    # False when the service counts ratings it never shows (Places shows five reviews at most):
    # the digest then reports a count that rose beyond the new reviews as ratings not shown.
    every_review_visible: bool


class CannotRespondError(Exception):
    """This mention cannot take the action asked for; the message says what to do instead."""


@dataclass(frozen=True, slots=True)
class Changed:
    """What a write did, as the next poll would store it: the monitor records it at once."""

    extra: Mapping[str, Any] | None = None  # the mention's new `extra` (None: unchanged)
    visibility: Visibility | None = None  # the mention's new visibility (None: unchanged)
    # What the write put on the service that a poll stores as a mention of its own (a
    # Facebook reply is a comment); stored now, as a poll would store it.
    items: tuple[Item, ...] = ()
    posted_id: str | None = None  # the service's id of what was posted
    note: str | None = None  # what the incident log should say too (a removed reply's words)


# The adapter's writes; the config argument is the adapter's own SourceConfig subclass.
PostReply = Callable[["PoliteClient", Any, Mention, str], Awaitable[Changed]]
RemoveReply = Callable[["PoliteClient", Any, Mention], Awaitable[Changed]]
SetHidden = Callable[["PoliteClient", Any, Mention, bool], Awaitable[Changed]]


class PushedChange(Protocol):
    """One change a webhook delivery reports, and what it makes of the stored mention."""

    @property
    def item(self) -> Item:
        """The item the change concerns, built as a poll builds it (same `external_id`)."""
        ...

    def apply(self, stored: Item | None) -> Item | None:
        """What the mention stored as `stored` (None: none) becomes; None: nothing to write."""
        ...


class WebhookReceiver(Protocol):
    """One configured source's end of its service's webhook; monitor.service.webhook serves it.

    Nothing is stored unless `authentic` says the delivery came from the service.
    """

    def verify(self, query: Mapping[str, str]) -> str | None:
        """The answer to the service's subscription handshake (a GET), or None to refuse it."""
        ...

    def authentic(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """True when the raw `body` carries the service's valid signature in `headers`."""
        ...

    def changes(self, body: bytes) -> Sequence[PushedChange]:
        """The changes of an authentic delivery for this source; SourceFormatError if garbled."""
        ...


@dataclass(frozen=True, slots=True)
class Webhook:
    """The service can push items to `monitor webhook` as well as being polled."""

    path: str  # the URL's first part: the service posts to /<path>/<source name>
    # The source's receiver, given its config; None when the source lacks the webhook's settings.
    receiver: Callable[[Any], WebhookReceiver | None]
    needs: str  # the settings a source needs for it, for `monitor webhook`'s refusal


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """Which of the source's mentions the school can answer in public, and how (`alerts reply`)."""

    item_types: frozenset[str]  # e.g. {"review"}: a reply goes under a mention of these types
    post: PostReply  # posts the reply (replacing an earlier one where the service does)
    remove: RemoveReply | None = None  # deletes the school's reply (`alerts unreply`), if it can
    max_bytes: int | None = None  # the longest reply the service takes, in UTF-8 bytes
    where: str = ""  # where the reply appears, for the confirmation line ("under the review")


@dataclass(frozen=True, slots=True)
class HideTarget:
    """Which of the source's mentions the school can hide on its own page (`alerts hide`)."""

    item_types: frozenset[str]
    set_hidden: SetHidden  # hides (True) or shows again (False)


@dataclass(frozen=True, slots=True)
class WriteAccess:
    """Whether the source's credentials may reply or hide (`monitor check --online`)."""

    can_write: bool | None  # None: the service would not say
    detail: str  # one line: what was found, and what to grant if it is missing


# Asks the service what the configured credentials may do (the adapter's own config).
CheckWriteAccess = Callable[["PoliteClient", Any], Awaitable[WriteAccess]]

RESPOND_INSTEAD = (
    "answer it where it was posted, in the service itself, then record what you did with"
    " `monitor alerts action ID replied_publicly --note TEXT` (or reported_to_platform)"
)


# `monitor check`'s extra lines about the enabled sources of one type (name → config).
class Polled(Protocol):
    """What a check line needs of a configured source (every `SourceConfig` is one)."""

    @property
    def interval(self) -> timedelta: ...


# Given this type's configured sources by name; sources/base.py is not imported here (it
# imports this module), so the sources are taken as what the lines read of them.
CheckLines = Callable[[Mapping[str, Polled]], list[str]]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What an adapter declares about itself; the defaults suit a plug-in that says nothing."""

    remedies: Remedies = field(default_factory=Remedies)
    # Where and how the school acts on a mention from this source (shown with every alert).
    advice: Advice = field(default_factory=Advice)
    # Set when each poll reports the overall rating (`FetchResult.rating`, kept as snapshots).
    ratings: Ratings | None = None
    # Set when the service can push items to `monitor webhook` as well as being polled.
    webhook: Webhook | None = None
    # The type (or types) of `Item.facts` the adapter hands to the rules (None: it hands on
    # none); an item carrying any other is refused as an adapter bug before it is scored.
    facts: type[Facts] | tuple[type[Facts], ...] | None = None
    # What `monitor check` adds about the enabled sources of this type (e.g. what polling costs).
    check: CheckLines | None = None
    # Responding from the monitor: which mentions take a public reply, which can be hidden,
    # how to ask whether the credentials may do either, and what to do where neither works.
    reply: ReplyTarget | None = None
    hide: HideTarget | None = None
    write_access: CheckWriteAccess | None = None
    respond_instead: str = RESPOND_INSTEAD

    @property
    def fact_types(self) -> tuple[type[Facts], ...]:
        """Every type of facts the adapter declares it hands on (empty: none)."""
        if self.facts is None:
            return ()
        return self.facts if isinstance(self.facts, tuple) else (self.facts,)
