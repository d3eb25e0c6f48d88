"""The mumsnet source's setup: the loopback site's paths, a source config, one poll, one scan.

Fixtures in tests/fixtures/mumsnet/ (sources.md 3): a topic listing, a thread over three pages whose
opening post repeats (then a fourth page) with relative pagination links, quoted replies, times
around the end of BST on 25 October 2026, a deleted post, consent/login/bot-check pages, changed
markup, Mumsnet-style robots.txt and a Google Alert whose links are Google redirects.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.config.settings import Config, load
from monitor.model import FetchResult, Item, Mention, SourceState
from monitor.scan.report import SourceOutcome
from monitor.scan.scanner import Scanner
from sources.http import PoliteClient
from sources.mumsnet import MumsnetConfig, fetch
from sources.mumsnet.parse import parse_thread_page
from sources.mumsnet.urls import ThreadRef
from storage import mention_reading, source_state
from storage.database import Store
from tests.loopback import FIXTURES, LoopbackServer, Reply

NOW = datetime(2026, 10, 27, 12, 0, tzinfo=UTC)  # Tuesday; BST ended on Sunday 25 October
ALIASES = ("Calcot Schools", "Calcot Infant School", "Calcot Junior School")
SITE = "https://www.mumsnet.com"
HTML = "text/html; charset=utf-8"
TOPIC = "/talk/primary_education"
NEW_HEAD = "/talk/primary_education/5412345"  # the three-page thread
SATS = "/talk/primary_education/5412999"
ADMISSIONS = "/talk/primary_education/5400001"
AIBU = "/talk/am_i_being_unreasonable/5413111"
PRIVATE = "/talk/staffroom_private/5413000"
FEED = "/alerts/feeds/17849810695950872924/15842463258895766468"


def html(name: str, **options: Any) -> Reply:
    return Reply.fixture(f"mumsnet/{name}", HTML, **options)


def source_config(server: LoopbackServer, **keys: Any) -> MumsnetConfig:
    """A mumsnet source on the loopback server, with no delay between requests."""
    settings: dict[str, Any] = {"type": "mumsnet", "base_url": server.url, "request_delay": "0s"}
    return MumsnetConfig.model_validate(settings | keys, context={"aliases": ALIASES})


def poll(
    config: MumsnetConfig, cursor: Mapping[str, Any] | None = None, now: datetime = NOW
) -> FetchResult:
    """One fetch with a fresh client whose clock says `now`."""

    async def main() -> FetchResult:
        async with PoliteClient(contact="t@example.org", retries=0, clock=lambda: now) as http:
            return await fetch(http, config, SourceState("mumsnet", cursor=cursor or {}))

    return asyncio.run(main())


def route_site(server: LoopbackServer) -> None:
    """robots.txt, the topic listing, every thread and the Google Alert."""
    server.route("/robots.txt", Reply.fixture("mumsnet/robots.txt", "text/plain"))
    server.route(TOPIC, html("topic_primary_education.html"))
    server.route(f"{TOPIC}?pg=2", html("topic_primary_education_pg2.html"))
    server.route(NEW_HEAD, html("thread_5412345_page1.html"))
    server.route(f"{NEW_HEAD}?page=2", html("thread_5412345_page2.html"))
    server.route(f"{NEW_HEAD}?page=3", html("thread_5412345_page3.html"))
    server.route(SATS, html("thread_5412999.html"))
    server.route(ADMISSIONS, html("thread_5400001.html"))
    server.route(AIBU, html("thread_5413111.html"))
    server.route(PRIVATE, html("thread_5413111.html"))  # served if asked: it must never be
    server.route(FEED, Reply.fixture("mumsnet/google_alert.xml", "application/atom+xml"))


def page_requests(server: LoopbackServer) -> list[str]:
    """The Mumsnet pages requested, in order (robots.txt and the feed left out)."""
    return [request.target for request in server.requests if request.path.startswith("/talk")]


def by_id(items: list[Item]) -> dict[str, Item]:
    found = {item.external_id: item for item in items}
    assert len(found) == len(items), "an item was returned twice"
    return found


def parse_fixture(name: str, url: str, thread_id: int = 5412345) -> Any:
    return parse_thread_page(
        (FIXTURES / "mumsnet" / name).read_text("utf-8"),
        thread=ThreadRef(thread_id, "primary_education"),
        url=SITE + url,
        base_url=SITE,
        now=NOW,
    )


@dataclass(frozen=True)
class Scanned:
    """One scan of the mumsnet source: its outcome, its health after, the mentions stored."""

    outcome: SourceOutcome
    health: str
    mentions: list[Mention]

    @property
    def status(self) -> str:
        return str(self.outcome.status)

    def ids(self, thread: str = "") -> set[str]:
        """The stored mentions' ids (only the thread's own and its posts' when `thread` is set)."""
        return {
            mention.external_id
            for mention in self.mentions
            if not thread or thread in (mention.external_id, mention.parent_external_id)
        }


def scan_config(tmp_path: Path, site: LoopbackServer, **keys: Any) -> Config:
    """A config whose one source is mumsnet on the loopback server, stored in a SQLite file."""
    settings = {"type": "mumsnet", "base_url": site.url, "request_delay": "0s"} | keys
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[school]
name = "Calcot Schools"
aliases = ["Calcot Infant School", "Calcot Junior School"]
[storage]
url = "sqlite:///{tmp_path / "monitor.db"}"
[sources.mumsnet]
"""
        + "".join(f"{key} = {json.dumps(value)}\n" for key, value in settings.items()),
        encoding="utf-8",
    )
    return load(path)


def scan_at(config: Config, now: datetime) -> Scanned:
    """One real scan (the Scanner, a SQLite file) with a clock that says `now`."""

    async def main() -> Scanned:
        clock = lambda: now  # noqa: E731
        async with PoliteClient(contact="t@example.org", retries=0, clock=clock) as http:
            with Store.open(config.storage.url) as store:
                report = await Scanner(config, store, http, clock).run()
                with store.transaction(read_only=True) as tx:
                    health = source_state.statuses(tx)["mumsnet"].health
                    stored = mention_reading.list_mentions(tx, source="mumsnet")
        return Scanned(report.outcomes[0], str(health), stored)

    return asyncio.run(main())
