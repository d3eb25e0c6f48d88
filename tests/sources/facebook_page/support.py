"""The Graph API as the fixtures describe it: ids, secrets, replies, a config, one poll, the CLI.

The fixtures are dated around 2026-11-21; `shifted` moves every Graph time by whole days so that
date is today, because which posts are young enough for the comment pass depends on the clock.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from click.testing import CliRunner

from monitor.cli import main
from monitor.model import FetchResult, SourceState
from sources.facebook_page import FacebookPageConfig, fetch
from sources.http import PoliteClient
from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply

FIXTURES = Path(__file__).parents[2] / "fixtures" / "facebook"
FIXTURE_TODAY = date(2026, 11, 21)
PAGE_ID = "448242228374517"
TOKEN = "EAAGfixturePageToken0q8Zr3TkLmN0pDoNotLeak"
APP_SECRET = "fixture-app-secret-0f9e8d7c6b5a"
TOKEN_ENV = "TEST_FB_PAGE_TOKEN"
APP_SECRET_ENV = "TEST_FB_APP_SECRET"
VERSION = "v24.0"
CLOSURE = f"{PAGE_ID}_122131676912594941"
VISITOR = f"{PAGE_ID}_122131700011223344"
HARVEST = f"{PAGE_ID}_122131555566667777"
SAM = "122131676912594941_1213590066982748"
ALEX = "122131676912594941_542072878449250"
PAGE_REPLY = "122131676912594941_886622004411993"
PAT = "122131676912594941_1560000111222333"
HARVEST_COMMENT = "122131555566667777_3301020304050607"
SHARED_LINK = f"{PAGE_ID}_122131800099887766"
PHOTOS = f"{PAGE_ID}_122131800011112222"
HIDDEN_SPAM = f"{PAGE_ID}_122131800033334444"
JSON = "application/json; charset=UTF-8"
SHIFTED_KEYS = ("created_time", "updated_time", "time")


def day_shift() -> timedelta:
    """How far the fixtures' dates move so that FIXTURE_TODAY is today."""
    return timedelta(days=(datetime.now(UTC).date() - FIXTURE_TODAY).days)


def shift(value: Any) -> Any:
    """A Graph JSON value with every time moved by `day_shift()` (ISO strings and Unix ints)."""
    if isinstance(value, dict):
        moved: dict[str, Any] = {}
        for key, item in value.items():
            if key in SHIFTED_KEYS and isinstance(item, str):
                moment = datetime.fromisoformat(item) + day_shift()
                moved[key] = moment.strftime("%Y-%m-%dT%H:%M:%S+0000")
            elif key in SHIFTED_KEYS and isinstance(item, int):
                moved[key] = item + int(day_shift().total_seconds())
            else:
                moved[key] = shift(item)
        return moved
    if isinstance(value, list):
        return [shift(item) for item in value]
    return value


def fixture(name: str) -> Any:
    """A fixture as JSON, unshifted (for golden parses)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def shifted(name: str) -> bytes:
    """A fixture's bytes with its times moved to now."""
    return json.dumps(shift(fixture(name))).encode()


def reply(name: str, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """A Graph reply serving a shifted fixture."""
    return Reply(
        status=status, body=shifted(name), headers={"Content-Type": JSON, **(headers or {})}
    )


def edge(path: str) -> str:
    """The server path of a Graph edge."""
    return f"/{VERSION}/{path}"


def route_page(server: LoopbackServer, *, comments_of_closure: str = "comments_1.json") -> None:
    """The Page as the fixtures describe it: two feed pages, comments over three pages."""
    server.route(edge(f"{PAGE_ID}/feed"), reply("feed_1.json"))
    server.route(
        edge(f"{PAGE_ID}/feed"), reply("feed_2.json"), params={"__paging_token": "enc_AdDnext1"}
    )
    comments = edge(f"{CLOSURE}/comments")
    server.route(comments, reply(comments_of_closure))
    server.route(
        comments, reply("comments_2_empty_with_next.json"), params={"after": "QVFIUkFmdGVyMQ"}
    )
    server.route(comments, reply("comments_3.json"), params={"after": "QVFIUkFmdGVyMg"})
    server.route(edge(f"{VISITOR}/comments"), reply("comments_visitor_post.json"))
    server.route(edge(f"{HARVEST}/comments"), reply("comments_harvest.json"))


def config_for(server: LoopbackServer, **keys: Any) -> FacebookPageConfig:
    """A facebook_page config pointing at the loopback server."""
    values: dict[str, Any] = {
        "type": "facebook_page",
        "page_id": PAGE_ID,
        "access_token_env": TOKEN_ENV,
        "api_url": server.url,
        "api_version": VERSION,
        **keys,
    }
    return FacebookPageConfig.model_validate(values)


def poll(server: LoopbackServer, cursor: dict[str, Any] | None = None, **keys: Any) -> FetchResult:
    """One fetch through a real client against the loopback server."""

    async def run() -> FetchResult:
        async with PoliteClient(contact="test@calcot.example", retries=0) as http:
            state = SourceState("facebook", cursor=cursor or {})
            return await fetch(http, config_for(server, **keys), state)

    return asyncio.run(run())


def query_of(request_query: str) -> dict[str, str]:
    return dict(parse_qsl(request_query, keep_blank_values=True))


def write_facebook_config(tmp_path: Path, server: LoopbackServer, **keys: Any) -> Path:
    """A config.toml with the facebook source pointing at the loopback server."""
    source = {
        "type": "facebook_page",
        "page_id": PAGE_ID,
        "access_token_env": TOKEN_ENV,
        "api_url": server.url,
        "api_version": VERSION,
        **keys,
    }
    return write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"facebook": source},
    )


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)
