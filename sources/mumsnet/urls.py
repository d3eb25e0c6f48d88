"""Mumsnet Talk URLs: one canonical form per thread, and the pages and listings we read.

A thread is `/talk/{topic}/{id}` (plus an optional `-Slug-Of-The-Title`); older links say
`/Talk/`, carry `?page=N` or `?pg=N`, or end in an anchor. All of them name one thread, and the
canonical URL keeps only the topic and the numeric id, so the same thread found by two routes is
one thread. Links on www.mumsnet.com or mumsnet.com are read against the configured base URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

MUMSNET_HOSTS = frozenset({"www.mumsnet.com", "mumsnet.com"})
# Topic slugs are lowercase with underscores, some starting with "_" (_chat).
TOPIC = re.compile(r"_?[a-z0-9]+(?:_[a-z0-9]+)*")
_THREAD_PATH = re.compile(r"/talk/(?P<topic>[A-Za-z0-9_]+)/(?P<id>\d+)(?:-[^/]*)?/?", re.I)


@dataclass(frozen=True, slots=True, order=True)
class ThreadRef:
    """A thread: its topic slug and numeric id (the id alone is unique on the site)."""

    thread_id: int
    topic: str

    @property
    def external_id(self) -> str:
        """The thread's mention id: "thread:5412345"."""
        return f"thread:{self.thread_id}"

    @property
    def path(self) -> str:
        """The canonical path: /talk/primary_education/5412345."""
        return f"/talk/{self.topic}/{self.thread_id}"


def thread_ref(url: str, base_url: str) -> ThreadRef | None:
    """The thread a link points to, if it is a Mumsnet (or base URL) thread link; else None."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    base = urlsplit(base_url)
    same_site = host in MUMSNET_HOSTS or (host == base.hostname and parts.port == base.port)
    if parts.scheme not in ("http", "https") or not same_site:
        return None
    match = _THREAD_PATH.fullmatch(parts.path)
    if match is None:
        return None
    return ThreadRef(int(match["id"]), match["topic"].lower())


def thread_url(base_url: str, thread: ThreadRef, page: int = 1) -> str:
    """The URL of one page of a thread: canonical for page 1, `?page=N` after."""
    url = base_url.rstrip("/") + thread.path
    return url if page <= 1 else f"{url}?page={page}"


def topic_url(base_url: str, topic: str, page: int = 1) -> str:
    """The URL of one page of a topic's thread listing (`?pg=N` after the first)."""
    url = f"{base_url.rstrip('/')}/talk/{topic}"
    return url if page <= 1 else f"{url}?pg={page}"


def page_number(url: str) -> int:
    """The thread page a URL shows: its `page` (or old `pg`) parameter, else 1."""
    query = parse_qs(urlsplit(url).query)
    for name in ("page", "pg"):
        values = query.get(name)
        if values and values[0].isdigit() and int(values[0]) >= 1:
            return int(values[0])
    return 1
