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
from typing import TYPE_CHECKING

from monitor.model import Facts, Health

if TYPE_CHECKING:
    from sources.base import SourceConfig

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
CheckLines = Callable[[Mapping[str, "SourceConfig"]], list[str]]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What an adapter declares about itself; the defaults suit a plug-in that says nothing."""

    remedies: Remedies = field(default_factory=Remedies)
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
