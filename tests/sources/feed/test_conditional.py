"""Conditional polls: an unchanged feed finds nothing; validators kept from the last success."""

from __future__ import annotations

import asyncio
from pathlib import Path

from monitor.config.settings import load
from monitor.model import SourceState
from monitor.scan.scanner import ScanReport, run_scan
from sources.http import PoliteClient
from storage.database import Store
from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply
from tests.sources.feed.support import ATOM, feed_config, run_fetch


def test_fetch_then_conditional_refetch_makes_one_request_and_finds_nothing(
    served: LoopbackServer,
) -> None:
    config = feed_config(url=f"{served.url}/alerts.xml")
    first = run_fetch(config)
    assert len(first.items) == 3
    assert first.etag == '"v1"'
    second = run_fetch(config, SourceState(name="news", etag=first.etag))
    assert second.items == []
    assert second.etag == '"v1"'
    requests = served.requests_to("/alerts.xml")
    assert len(requests) == 2
    assert requests[1].headers.get("If-None-Match") == '"v1"'


def scan_once(config_path: Path) -> ScanReport:
    """One `monitor scan` of the config at `config_path` through a real client and database."""
    config = load(config_path)
    store = Store.open(config.storage.url)

    async def go() -> ScanReport:
        async with PoliteClient(contact="t@example.org", timeout=5, backoff=0.01) as http:
            return await run_scan(config, store, http)

    try:
        return asyncio.run(go())
    finally:
        store.close()


def test_after_a_failed_poll_the_next_is_conditional_on_the_last_success(
    server: LoopbackServer, sqlite_url: str, tmp_path: Path
) -> None:
    validators = {"ETag": '"v1"', "Last-Modified": "Mon, 30 Nov 2026 09:00:00 GMT"}
    good = Reply.fixture("feed/atom.xml", ATOM, headers=validators)
    # A login wall answering 200 with its own validators: they belong to no feed.
    wall = Reply.fixture("feed/error_page.html", "text/html", headers={"ETag": '"wall"'})
    unchanged = Reply(status=304, headers={"ETag": '"v1"'})
    server.route("/feed", good, Reply(status=500), Reply(status=500), Reply(status=500), wall)
    path = write_config(
        tmp_path,
        storage_url=sqlite_url,
        sources={"news": {"type": "feed", "url": f"{server.url}/feed"}},
    )
    assert [outcome.status for outcome in scan_once(path).outcomes] == ["ok"]
    assert scan_once(path).outcomes[0].status == "failed"  # 500 three times
    assert scan_once(path).outcomes[0].status == "failed"  # the HTML page
    server.route("/feed", unchanged)
    assert scan_once(path).outcomes[0].status == "ok"
    requests = server.requests_to("/feed")
    assert len(requests) == 1 + 3 + 1 + 1
    assert "If-None-Match" not in requests[0].headers
    for request in requests[1:]:
        assert request.headers.get("If-None-Match") == '"v1"'
        assert request.headers.get("If-Modified-Since") == "Mon, 30 Nov 2026 09:00:00 GMT"
