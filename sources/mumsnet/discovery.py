"""Finding threads about the school, never through the site search (robots.txt closes it).

Three routes, each giving thread references that `urls.thread_ref` reduces to one canonical form,
so a thread found twice is one thread:
  (a) `threads`: thread URLs the user configured;
  (b) `topics`: the first `pages_per_topic` pages of each topic's listing, keeping the threads
      whose titles name the school (its name and aliases; "Calcot Infants", "Calcot Juniors'"
      and missing apostrophes match too);
  (c) `discovery_feeds`: RSS/Atom feeds such as a Google Alert on `site:mumsnet.com "Calcot"`,
      whose entry links (Google redirects unwrapped) point at threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sources.common.feeds import parse_feed
from sources.common.words import SchoolMatcher, WordMatcher
from sources.errors import SourceUnavailableError
from sources.http import PoliteClient, Response
from sources.mumsnet.parse import parse_topic_page
from sources.mumsnet.site import GONE_STATUSES, Site
from sources.mumsnet.urls import MUMSNET_HOSTS, ThreadRef, thread_ref, topic_url


def school_matcher(aliases: Iterable[str]) -> WordMatcher:
    """Matches any of the schools' names in forum writing (the union of every school served)."""
    return SchoolMatcher(aliases)


@dataclass
class Discovery:
    """The threads found in one poll, each once, with the routes that found it."""

    found: dict[int, ThreadRef] = field(default_factory=dict)
    titles: dict[int, str] = field(default_factory=dict)
    routes: dict[int, set[str]] = field(default_factory=dict)
    configured: set[int] = field(default_factory=set)
    incomplete: bool = False  # the page budget ran out before every topic page was read

    def add(self, thread: ThreadRef, route: str, title: str = "") -> None:
        """Record `thread` as found by `route` (the first topic seen for its id is kept)."""
        self.found.setdefault(thread.thread_id, thread)
        if title and not self.titles.get(thread.thread_id):
            self.titles[thread.thread_id] = title
        self.routes.setdefault(thread.thread_id, set()).add(route)
        if route == "configured":
            self.configured.add(thread.thread_id)


async def discover(
    site: Site,
    *,
    threads: Iterable[str],
    topics: Iterable[str],
    pages_per_topic: int,
    feeds: Iterable[str],
    matcher: WordMatcher,
) -> Discovery:
    """Threads from the configured URLs, the topic listings and the discovery feeds."""
    discovery = Discovery()
    for url in threads:
        thread = thread_ref(url, site.base_url)
        if thread is not None:  # the config validator has already refused anything else
            discovery.add(thread, "configured")
    for topic in topics:
        for page in range(1, pages_per_topic + 1):
            if site.exhausted:
                discovery.incomplete = True
                break
            await read_topic_page(site, topic_url(site.base_url, topic, page), matcher, discovery)
    for index, feed_url in enumerate(feeds, start=1):
        await read_feed(site, feed_url, index, discovery)
    return discovery


async def read_topic_page(site: Site, url: str, matcher: WordMatcher, discovery: Discovery) -> None:
    """Add the threads on one listing page whose titles name the school."""
    response = await site.page(url, skip_disallowed=False)
    assert response is not None  # only skipped pages are None
    if response.status in GONE_STATUSES:
        raise SourceUnavailableError(
            f"{response.label}: HTTP {response.status}; is the topic slug right?"
        )
    listed = await asyncio.to_thread(
        parse_topic_page, response.text, url=response.url, base_url=site.base_url
    )
    for entry in listed:
        if matcher.matches(entry.title):
            discovery.add(entry.thread, "topic", entry.title)


async def read_feed(site: Site, feed_url: str, index: int, discovery: Discovery) -> None:
    """Add the threads a discovery feed's entries link to (other links are ignored)."""
    host = (urlsplit(feed_url).hostname or "").lower()
    # A Google Alerts feed URL is a bearer secret: errors name its host and position only.
    label = f"{host} discovery feed {index}"
    on_site = host in MUMSNET_HOSTS or host == urlsplit(site.base_url).hostname
    response = await fetch_feed(site.http, feed_url, label, robots=on_site)
    items = await asyncio.to_thread(parse_feed, response.content, label=label)
    for item in items:
        thread = thread_ref(item.url or "", site.base_url)
        if thread is not None:
            discovery.add(thread, "feed", item.title or "")


async def fetch_feed(http: PoliteClient, url: str, label: str, *, robots: bool) -> Response:
    """The feed's body; robots.txt is asked only for a feed on Mumsnet itself."""
    return await http.get(
        url,
        label=label,
        robots=robots,
        headers={"Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9"},
    )
