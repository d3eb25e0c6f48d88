"""robots.txt: fetched once per origin, kept for a while, and asked before every `robots=True` page.

The rules are read as RFC 9309 says, by Protego (the parser Scrapy uses): `*` matches any run
of characters and `$` anchors the end, in the path and the query alike; the longest matching rule
wins, and Allow wins a tie. (urllib.robotparser takes `*` literally, so it read Mumsnet's own
`Disallow: /search?query=*` as allowing `/search?query=calcot`.)

RobotsCache.check(url, label)
  │  <origin>/robots.txt kept and not yet expired? ask it. Otherwise fetch it through the
  │  client (gated, retried, redirects followed), once per origin however many pages wait:
  │      2xx                        its rules; kept 24 h
  │      4xx other than 429         no rules: everything allowed; kept 24 h
  │      429                        SourceRateLimitedError to the caller; nothing kept
  │      5xx, timeout, any other    everything disallowed (logged as a warning); asked again
  │      failure                    after 10 minutes
  ▼
returns if the group for our product token (or `*`) allows `url`; else RobotsDisallowedError
(a SourceBlockedError: this one path is closed to us, so a caller may skip it and go on) or, when
robots.txt could not be fetched, SourceBlockedError (the whole site is closed for now); either
way the page is never requested
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import httpx
from protego import Protego

from sources.errors import SourceBlockedError, SourceUnavailableError
from sources.http.urls import origin_of

log = logging.getLogger(__name__)

ROBOTS_TTL = timedelta(hours=24)
# A robots.txt outage blocks the site; ask again soon rather than stay blocked for a day.
ROBOTS_FAILURE_TTL = timedelta(minutes=10)
# A client error on robots.txt means "no rules"; 429 means "slow down" and is raised as such.
ROBOTS_ALLOW_ALL_STATUSES = frozenset(range(400, 500)) - {429}


class RobotsDisallowedError(SourceBlockedError):
    """robots.txt, as fetched, disallows this URL for our product token."""


class RobotsFile(Protocol):
    """What the cache reads of a fetched robots.txt (sources.http.Response is one)."""

    @property
    def status(self) -> int: ...

    @property
    def text(self) -> str: ...


# GET (url, label) through the client, a status in ROBOTS_ALLOW_ALL_STATUSES returned, not raised.
FetchRobots = Callable[[httpx.URL, str], Awaitable[RobotsFile]]


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """One origin's robots.txt, parsed, and until when to trust it."""

    parser: Protego
    reachable: bool
    expires_at: datetime


class RobotsCache:
    """Every origin's robots.txt rules, fetched on first use and again once they expire."""

    def __init__(self, *, agent: str, fetch: FetchRobots, clock: Callable[[], datetime]) -> None:
        self.agent = agent
        self._fetch = fetch
        self._clock = clock
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def check(self, url: httpx.URL, label: str) -> None:
        """Raise SourceBlockedError unless the origin's robots.txt lets us fetch `url`."""
        rules = await self._rules_for(url)
        if not rules.reachable:
            raise SourceBlockedError(
                f"{label}: disallowed by robots.txt (robots.txt could not be fetched)"
            )
        if not rules.parser.can_fetch(str(url), self.agent):
            raise RobotsDisallowedError(f"{label}: disallowed by robots.txt")

    async def _rules_for(self, url: httpx.URL) -> RobotsRules:
        robots_url = url.copy_with(
            path="/robots.txt", query=None, fragment=None, username=None, password=None
        )
        origin = origin_of(robots_url)
        # One fetch per origin even when several pages of the site are requested at once.
        async with self._locks.setdefault(origin, asyncio.Lock()):
            cached = self._rules.get(origin)
            now = self._clock()
            if cached is None or now >= cached.expires_at:
                cached = self._rules[origin] = await fetch_rules(robots_url, now, self._fetch)
            return cached


async def fetch_rules(robots_url: httpx.URL, now: datetime, fetch: FetchRobots) -> RobotsRules:
    """The rules at `robots_url`, or "disallow everything" for a short while if it will not come."""
    try:
        response = await fetch(robots_url, f"{robots_url.host}/robots.txt")
    except SourceUnavailableError as error:
        log.warning("%s; every page of the site counts as disallowed for now", error)
        closed = Protego.parse("User-agent: *\nDisallow: /\n")
        return RobotsRules(closed, reachable=False, expires_at=now + ROBOTS_FAILURE_TTL)
    # No rules at all (a client error) is parsed as an empty file, which allows everything.
    allow_all = response.status in ROBOTS_ALLOW_ALL_STATUSES
    parser = Protego.parse("" if allow_all else response.text)
    return RobotsRules(parser, reachable=True, expires_at=now + ROBOTS_TTL)
