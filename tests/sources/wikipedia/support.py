"""The wikipedia source's setup: fixture files, replies served on loopback, one poll."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from monitor.model import FetchResult, Item, RevisionFacts, SourceState
from sources.http import PoliteClient
from sources.wikipedia import WikipediaConfig, fetch
from tests.loopback import LoopbackServer, Reply

FIXTURES = Path(__file__).parents[2] / "fixtures" / "wikipedia"
TITLE = "St Example's CE Primary School"
PAGEID = 31415926
QUERY = '"St Example\'s CE Primary"'
API = "/w/api.php"
CONTINUE = "20261102211420|1255001122"
RISK = "/service/lw/inference/v1/models/revertrisk-language-agnostic:predict"
BASELINE_CURSOR = {"pages": {TITLE: {"pageid": PAGEID, "revid": 1254000777}}, "search": {}}
MARKUP_TEXT = (
    "motto: Learning together\n"
    "2025 inspection\n"
    'In March 2025 Ofsted judged the school "Requires Improvement" – the head, Mrs Example,'
    ' said staff were "disappointed".\n'
    "Read the full report online."
)


def load(name: str) -> Any:
    """A fixture file's JSON."""
    return json.loads((FIXTURES / name).read_text("utf-8"))


def reply(name: str, **kwargs: Any) -> Reply:
    """A 200 JSON reply with a fixture file as its body."""
    return Reply.fixture(f"wikipedia/{name}", "application/json; charset=utf-8", **kwargs)


def config_for(server: LoopbackServer, **keys: Any) -> WikipediaConfig:
    """A wikipedia source pointed at the loopback server."""
    keys.setdefault("pages", [TITLE])
    return WikipediaConfig(type="wikipedia", api_url=server.url + API, **keys)


def poll(config: WikipediaConfig, cursor: Mapping[str, Any] | None = None) -> FetchResult:
    """One fetch through a real client, from `cursor` (None: the source's first poll)."""

    async def run() -> FetchResult:
        async with PoliteClient(contact="test@example.org", backoff=0.01, timeout=5) as http:
            last_success = None if cursor is None else datetime(2026, 11, 1, tzinfo=UTC)
            state = SourceState("wiki", cursor=cursor or {}, last_success_at=last_success)
            result: FetchResult = await fetch(http, config, state)
            return result

    return asyncio.run(run())


def route_page(server: LoopbackServer, *replies: Reply, **params: str) -> None:
    """Serve `replies` to prop=revisions requests for TITLE with these extra parameters."""
    wanted = {"action": "query", "prop": "revisions", "titles": TITLE, **params}
    server.route(API, *replies, params=wanted)


def route_compares(server: LoopbackServer) -> None:
    """Serve the three fixture diffs, each to its own torev."""
    for torev, name in [
        ("1255000001", "compare_vandalism.json"),
        ("1255001122", "compare_rollback.json"),
        ("1255002000", "compare_markup.json"),
    ]:
        server.route(API, reply(name), params={"action": "compare", "torev": torev})


def route_newer(server: LoopbackServer) -> None:
    """Two pages of revisions after the baseline, joined by `continue`, and their diffs."""
    newer = {"rvstartid": "1254000777", "rvdir": "newer"}
    route_page(server, reply("revisions_newer_1.json"), **newer)
    route_page(server, reply("revisions_newer_2.json"), **newer, rvcontinue=CONTINUE)
    route_compares(server)


def queries(server: LoopbackServer, path: str = API) -> list[dict[str, str]]:
    """The query parameters of each request to `path`, in order."""
    return [dict(parse_qsl(request.query)) for request in server.requests_to(path)]


def by_id(items: list[Item]) -> dict[str, Item]:
    """Items keyed by external id."""
    return {item.external_id: item for item in items}


def facts_of(item: Item) -> RevisionFacts:
    """A revision's facts (every revision has them)."""
    assert isinstance(item.facts, RevisionFacts), item.external_id
    return item.facts


REPOLL_CURSOR = {"pages": {TITLE: {"pageid": PAGEID, "revid": 1255002000}}, "search": {}}


def route_reverts(server: LoopbackServer) -> None:
    """An insult undone (mw-undo), then spam removed by hand (mw-manual-revert), and the diffs."""
    route_page(server, reply("revisions_reverts.json"), rvstartid="1255002000", rvdir="newer")
    for torev, name in [
        ("1255003000", "compare_insult.json"),
        ("1255003050", "compare_undo.json"),
        ("1255003900", "compare_spam.json"),
        ("1255004000", "compare_manual_revert.json"),
    ]:
        server.route(API, reply(name), params={"action": "compare", "torev": torev})
