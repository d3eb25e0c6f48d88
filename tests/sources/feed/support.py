"""Feed fixtures parsed or served on loopback; a feed config with the school's aliases; a fetch."""

from __future__ import annotations

import asyncio

from monitor.model import FetchResult, Item, SourceState
from sources.common.feeds import parse_feed
from sources.feed import FeedConfig, fetch
from sources.http import PoliteClient
from tests.loopback import FIXTURES, LoopbackServer, Reply

ALIASES = ["Calcot Infant School", "Calcot Junior School", "Calcot Schools", "Calcot Infants"]
ATOM = "application/atom+xml"


def parse(name: str) -> list[Item]:
    return parse_feed((FIXTURES / "feed" / name).read_bytes(), label="example.org")


def run_fetch(config: FeedConfig, state: SourceState | None = None) -> FetchResult:
    async def go() -> FetchResult:
        async with PoliteClient(contact="test@example.org", backoff=0.01, timeout=5) as http:
            return await fetch(http, config, state or SourceState(name="news"))

    return asyncio.run(go())


def feed_config(**keys: object) -> FeedConfig:
    return FeedConfig.model_validate({"type": "feed", **keys}, context={"aliases": ALIASES})


def serve_fixture(server: LoopbackServer, path: str, name: str, content_type: str) -> str:
    """Serve a feed fixture at `path` with this Content-Type; returns its URL."""
    server.route(path, Reply.fixture(f"feed/{name}", content_type))
    return server.url + path


NOTICEBOARD = "entries_without_id_link_title_or_text.rss"
