"""What an adapter can do, declared with its registration, so the application asks, not guesses.

    CAPABILITIES = Capabilities(remedies=Remedies(auth_expired="…"), ratings=Ratings(...))

    @register("google_places", GooglePlacesConfig, CAPABILITIES)
    async def fetch(...) -> FetchResult: ...

`monitor status`, the health alerts, the digest and `monitor check` read these through
`sources.base.adapter_for(type).capabilities`; nothing outside an adapter compares its type name.
A plug-in that declares nothing gets `Capabilities()`: the generic remedies, no rating snapshots,
no webhook, no facts, no reply, no hide. Each built-in adapter declares them in its package's
`__init__.py`, beside its config model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from monitor.model import Facts, Health

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


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """Which of the source's mentions the school can answer in public (`alerts reply`).

    A placeholder: no adapter declares one yet; the issue that adds `monitor alerts reply`
    fills it in (and with it what the service needs to post the reply).
    """

    item_types: frozenset[str]  # e.g. {"review"}: a reply goes under a mention of these types


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
    # True when the service can push items to `monitor webhook` as well as being polled.
    webhook: bool = False
    # The type (or types) of `Item.facts` the adapter hands to the rules (None: it hands on
    # none); an item carrying any other is refused as an adapter bug before it is scored.
    facts: type[Facts] | tuple[type[Facts], ...] | None = None
    # What `monitor check` adds about the enabled sources of this type (e.g. what polling costs).
    check: CheckLines | None = None
    # Placeholders for a later issue: replying to a mention, and hiding one on the service.
    reply: ReplyTarget | None = None
    hide: bool = False

    @property
    def fact_types(self) -> tuple[type[Facts], ...]:
        """Every type of facts the adapter declares it hands on (empty: none)."""
        if self.facts is None:
            return ()
        return self.facts if isinstance(self.facts, tuple) else (self.facts,)
