"""A loopback server serving a Google Alerts feed, an RSS feed, an HTML page and a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.loopback import LoopbackServer, Reply
from tests.sources.feed.support import ATOM


@pytest.fixture
def served(server: LoopbackServer) -> Iterator[LoopbackServer]:
    server.route("/alerts.xml", Reply.fixture("feed/google_alerts.xml", ATOM, etag='"v1"'))
    server.route("/news.rss", Reply.fixture("feed/rss2.xml", "application/rss+xml"))
    server.route("/broken", Reply.fixture("feed/error_page.html", "text/html"))
    server.route("/down", Reply(status=500, body=b"oops"))
    yield server
