"""Mumsnet Talk: threads about the school, found without the site search and followed politely.

Discovery (`discovery.py`): configured thread URLs, topic listing pages matched against the
school's names, and discovery feeds (a Google Alert on site:mumsnet.com). Reading
(`threads.py`): each followed thread's pages, re-reading only its last page once read to the end.
Parsing (`parse.py`, every selector in one place) runs off the event loop. Requests
(`site.py`): robots.txt honoured, one at a time to the host, `request_delay` apart, at most
`max_pages_per_poll` pages a poll (the rest next poll, noted in the cursor), 403/429 backed off
for at least 30 minutes and `blocked` when it happens again, or at once when the 403's body is a
bot challenge, consent wall or login form. What it remembers: `cursor.py`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from monitor.config.units import Duration
from monitor.model import FetchResult, Item, Skipped, SourceState
from sources.base import SharedHost, SourceConfig, register, shared_host_of
from sources.common.times import iso_seconds
from sources.errors import SourceFormatError, SourceRateLimitedError
from sources.http import PoliteClient
from sources.mumsnet.cursor import MumsnetCursor, Refusals
from sources.mumsnet.discovery import discover, school_matcher
from sources.mumsnet.site import (
    MIN_BACKOFF,
    Refused,
    RefusedBlockedError,
    RefusedRateLimitedError,
    Site,
    backoff_until,
)
from sources.mumsnet.threads import ThreadReader, keep_thread, threads_to_read
from sources.mumsnet.urls import TOPIC, thread_ref

DEFAULT_BASE_URL = "https://www.mumsnet.com"


class MumsnetConfig(
    SourceConfig,
    # A Google Alerts feed URL is a bearer secret: one more discovery feed may come by reference.
    secrets={"discovery_feed": "one more discovery feed URL (a Google Alert's is secret)"},
):
    """Mumsnet Talk threads that name the school."""

    base_url: str = Field(DEFAULT_BASE_URL, description="The site (tests point it elsewhere).")
    threads: list[str] = Field(
        default_factory=list, description="Thread URLs to follow (any page or slug of them)."
    )
    topics: list[str] = Field(
        default_factory=list,
        description='Topic slugs ("primary_education") whose listings are matched by title.',
    )
    discovery_feeds: list[str] = Field(
        default_factory=list,
        description="RSS/Atom feeds (a Google Alert on site:mumsnet.com) linking to threads.",
    )
    request_delay: Duration = Field(
        timedelta(seconds=10), description="Least time between two requests to Mumsnet."
    )
    follow_days: int = Field(
        30, ge=1, le=3650, description="Days a thread is re-read after its last post."
    )
    pages_per_topic: int = Field(
        1, ge=1, le=20, description="Listing pages of each topic read per poll (newest first)."
    )
    max_pages_per_poll: int = Field(
        20, ge=1, le=500, description="Most Mumsnet pages requested in one poll; the rest wait."
    )

    @field_validator("base_url")
    @classmethod
    def _site_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL")
        return value.strip().rstrip("/")

    @field_validator("discovery_feeds")
    @classmethod
    def _feed_urls(cls, values: list[str]) -> list[str]:
        for index, value in enumerate(values):
            parts = urlsplit(value.strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                # The URL may be a secret (a Google Alert): say which entry, not what it holds.
                raise ValueError(f"entry {index + 1} is not an http(s) URL")
        return [value.strip() for value in values]

    @field_validator("topics")
    @classmethod
    def _topic_slugs(cls, values: list[str]) -> list[str]:
        slugs = [value.strip().lower() for value in values]
        for slug in slugs:
            if not TOPIC.fullmatch(slug):
                raise ValueError(f"{slug!r} is not a topic slug such as 'primary_education'")
        return list(dict.fromkeys(slugs))

    @model_validator(mode="after")
    def _thread_urls(self) -> MumsnetConfig:
        for url in self.threads:
            if thread_ref(url, self.base_url) is None:
                raise ValueError(
                    f"threads: {url!r} is not a Mumsnet thread URL (/talk/<topic>/<id>)"
                )
        secret_feed = self.secret_given("discovery_feed")
        if not (self.threads or self.topics or self.discovery_feeds or secret_feed):
            raise ValueError("give at least one of threads, topics or discovery_feeds")
        return self

    @property
    def host(self) -> str:
        """The site's host name."""
        return urlsplit(self.base_url).hostname or ""

    def shared_host(self) -> SharedHost | None:
        """Mumsnet's `request_delay` holds across every worker, not only within one."""
        return shared_host_of(self.base_url, self.request_delay)

    def feed_urls(self) -> list[str]:
        """The discovery feeds: those listed, then the one given by reference, if any."""
        secret = self.secret("discovery_feed")
        if secret is None:
            return list(self.discovery_feeds)
        url = secret.reveal().strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # The value is secret: say what is wrong without repeating it.
            raise SourceFormatError("the secret discovery feed URL is not an http(s) URL")
        return [*self.discovery_feeds, url]


@register("mumsnet", MumsnetConfig)
async def fetch(http: PoliteClient, config: MumsnetConfig, state: SourceState) -> FetchResult:
    """New threads and new posts naming the school; the cursor says where each thread was left."""
    now = http.now()
    cursor = MumsnetCursor.from_json(state.cursor)
    retry_at = cursor.refusals.retry_at
    if retry_at is not None and now < retry_at:
        message = f"{config.host}: backing off after HTTP 403/429 until {iso_seconds(retry_at)}"
        raise SourceRateLimitedError(message, retry_at)
    http.set_host_policy(config.host, concurrency=1, delay=config.request_delay.total_seconds())
    site = Site(http, config.base_url, config.max_pages_per_poll)
    before = http.requests_made
    try:
        items, saved, skipped = await poll(site, config, cursor, now)
    except Refused as refused:
        raise refusal_error(refused, cursor, now) from None
    except SourceRateLimitedError as error:
        # The client's own 429/503 handling (robots.txt, Retry-After on a 503): Mumsnet still
        # gets at least the half hour a refused page gets. Another host keeps its own wait.
        if http.retry_at(config.host) is None or error.retry_at is None:
            raise
        retry_at = max(error.retry_at, now + MIN_BACKOFF)
        message = f"{config.host}: rate limited; backing off until {iso_seconds(retry_at)}"
        raise SourceRateLimitedError(message, retry_at) from None
    requests = http.requests_made - before
    return FetchResult(items, saved.to_json(), requests=requests, skipped=skipped)


async def poll(
    site: Site, config: MumsnetConfig, cursor: MumsnetCursor, now: datetime
) -> tuple[list[Item], MumsnetCursor, Skipped]:
    """Discover threads, read the ones to read within the page budget.

    Returns the mentions, the new cursor and the posts skipped as unreadable.
    """
    matcher = school_matcher(config.aliases)
    discovery = await discover(
        site,
        threads=config.threads,
        topics=config.topics,
        pages_per_topic=config.pages_per_topic,
        feeds=config.feed_urls(),
        matcher=matcher,
    )
    reader = ThreadReader(site, matcher, now)
    states = dict(cursor.threads)
    items: list[Item] = []
    deferred: list[int] = []
    for state in threads_to_read(cursor, discovery, matcher, now, config.follow_days):
        thread_id = state.thread.thread_id
        states.setdefault(thread_id, state)
        if site.exhausted:
            deferred.append(thread_id)  # read next poll, before anything else
            continue
        read = await reader.read(state, discovery.routes.get(thread_id, ()))
        states[thread_id] = read.state
        items.extend(read.items)
        if not read.finished:
            deferred.append(thread_id)
    kept = {
        thread_id: state
        for thread_id, state in states.items()
        if keep_thread(state, discovery, now, config.follow_days)
    }
    saved = MumsnetCursor(kept, tuple(deferred), discovery.incomplete, Refusals())
    return items, saved, reader.skips.skipped


def refusal_error(
    refused: Refused, cursor: MumsnetCursor, now: datetime
) -> RefusedRateLimitedError | RefusedBlockedError:
    """Blocked for a 403 challenge/consent/login page or a refusal after backing off; else wait."""
    retry_at = backoff_until(refused, now)
    # The cursor from before this poll, plus the refusal: nothing read in it is lost.
    saved = cursor.refused(retry_at).to_json()
    if refused.page_shown:
        # The body says why: waiting will not help, a person must look (blocked at once).
        message = (
            f"{refused.label}: HTTP {refused.status} with a consent, login or bot-check page; "
            "Mumsnet is refusing the monitor"
        )
        return RefusedBlockedError(message, retry_at, saved)
    if cursor.refusals.count >= 1:
        message = (
            f"{refused.label}: HTTP {refused.status} again after backing off "
            f"({cursor.refusals.count + 1} in a row); Mumsnet is refusing the monitor"
        )
        return RefusedBlockedError(message, retry_at, saved)
    message = f"{refused.label}: HTTP {refused.status}; backing off until {iso_seconds(retry_at)}"
    return RefusedRateLimitedError(message, retry_at, saved)
