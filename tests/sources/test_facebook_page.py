"""The facebook_page source: golden parses of Graph API fixtures, then polls over real HTTP.

The fixtures are dated around 2026-11-21; `shifted` moves every Graph time by whole days so that
date is today, because which posts are young enough for the comment pass depends on the clock.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from monitor.cli import main
from monitor.model import FetchResult, Health, SourceState, Visibility
from sources.errors import (
    SourceAuthError,
    SourceError,
    SourceRateLimitedError,
    SourceUnavailableError,
)
from sources.facebook_page import FacebookCursor, FacebookPageConfig, fetch
from sources.facebook_page.api import GraphDeprecatedError
from sources.facebook_page.items import comment_item, post_item
from sources.facebook_page.parse import (
    GRAPH,
    graph_problem,
    parse_comment,
    parse_page,
    parse_post,
    regain_minutes,
    usage_percent,
)
from sources.http import PoliteClient
from storage.database import Store
from storage.mentions import list_mentions, versions
from tests.commands import statuses, stored_ids
from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply

FIXTURES = Path(__file__).parents[1] / "fixtures" / "facebook"
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


@pytest.fixture
def token_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The Page token (and app secret) in the environment, as config references them."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv(APP_SECRET_ENV, APP_SECRET)
    yield


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


# ---- pure parsing -------------------------------------------------------------------------


def test_feed_page_parses_posts_authors_and_the_next_query() -> None:
    page = parse_page(fixture("feed_1.json"), "feed")
    posts = [parse_post(entry, "feed") for entry in page.data]
    assert [post.id for post in posts] == [CLOSURE, VISITOR]
    assert posts[0].created_time == datetime(2026, 11, 19, 6, 45, 12, tzinfo=UTC)
    assert page.next_query is not None and page.next_query["__paging_token"] == "enc_AdDnext1"
    page_post, visitor_post = (post_item(PAGE_ID, post) for post in posts)
    assert page_post.extra["by_page"] is True and visitor_post.extra["by_page"] is False
    assert visitor_post.author == "Jo Visitor"
    assert visitor_post.url == "https://www.facebook.com/CalcotSchools/posts/pfbid0visitorpost"
    # The profile id is not kept: only a hash that groups the author's comments.
    assert "7011122233344455" not in json.dumps(visitor_post.extra)
    assert len(visitor_post.extra["author_key"]) == 16


def test_a_reply_points_at_its_comment_and_a_comment_at_its_post() -> None:
    page = parse_page(fixture("comments_1.json"), "comments")
    sam, alex = (comment_item(PAGE_ID, CLOSURE, parse_comment(e, "c")) for e in page.data)
    assert sam.parent_external_id == CLOSURE and sam.item_type == "comment"
    assert alex.parent_external_id == SAM
    assert sam.extra == {
        "post_id": CLOSURE,
        "by_page": False,
        "author_key": sam.extra["author_key"],
        "can_hide": True,
    }
    assert sam.visibility == Visibility.VISIBLE
    assert "comment_count" not in json.dumps(sam.extra)  # would make every reply an edit


def test_a_post_without_a_message_takes_its_words_from_its_story_and_attachments() -> None:
    page = parse_page(fixture("feed_shared_link.json"), "feed")
    shared, photos, spam = (post_item(PAGE_ID, parse_post(e, "feed")) for e in page.data)
    assert shared.text == (
        "Jo Visitor shared a link.\n"
        "Parents angry as Calcot Junior School shuts without warning\n"
        "Families were told at 7am that the school would not open. Parents called the chaos a"
        " disgrace and say they are furious."
    )
    # A title repeated as the description is said once.
    assert photos.text == "Calcot Schools added 2 new photos.\nHarvest festival"
    # A post with words of its own is those words; the page hid this one.
    assert spam.text == "Spam spam spam, buy followers here"
    assert spam.visibility == Visibility.HIDDEN and shared.visibility == Visibility.VISIBLE
    with pytest.raises(SourceError, match=r"feed\.attachments is missing or not an object"):
        parse_post({**page.data[0], "attachments": [{"title": "not nested"}]}, "feed")


def test_an_empty_page_with_next_is_not_the_end_and_a_page_without_next_is() -> None:
    assert parse_page(fixture("comments_2_empty_with_next.json"), "c").next_query is not None
    last = parse_page(fixture("comments_3.json"), "c")
    assert last.next_query is None and len(last.data) == 2  # fewer than limit says nothing


def test_a_changed_shape_is_one_format_error_naming_the_field() -> None:
    broken = {"data": [{"message": "no id"}]}
    page = parse_page(broken, "feed")
    with pytest.raises(SourceError, match=r"Graph API: feed data\[0\]\.id is missing"):
        parse_post(page.data[0], "feed data[0]")
    with pytest.raises(SourceError, match="Graph API: x: data is missing or not a list"):
        parse_page({"paging": {}}, "x")
    with pytest.raises(SourceError, match="not a valid time"):
        parse_post({"id": "1_2", "created_time": "yesterday"}, "feed data[0]")


def test_graph_errors_and_usage_headers_are_read() -> None:
    problem = graph_problem(fixture("error_190_463.json"))
    assert problem is not None and (problem.code, problem.subcode) == (190, 463)
    assert problem.fbtrace_id == "AmFGcW_3hwDB7qFbl_QdebZ"
    assert graph_problem({"data": []}) is None
    headers = {
        "X-Business-Use-Case-Usage": json.dumps(
            {
                PAGE_ID: [
                    {
                        "type": "pages",
                        "call_count": 85,
                        "total_cputime": 20,
                        "total_time": 31,
                        "estimated_time_to_regain_access": 12,
                    }
                ]
            }
        ),
        "X-App-Usage": '{"call_count": 40, "total_time": 5, "total_cputime": 5}',
    }
    assert usage_percent(headers) == 85.0
    assert regain_minutes(headers) == 12
    assert usage_percent({"X-App-Usage": "not json"}) is None
    assert GRAPH.service == "Graph API"


# ---- polls over HTTP ----------------------------------------------------------------------


def test_first_poll_reads_feed_pages_and_every_comment_page(
    server: LoopbackServer, token_env: None
) -> None:
    route_page(server)
    result = poll(server)
    by_id = {item.external_id: item for item in result.items}
    assert set(by_id) == {CLOSURE, VISITOR, HARVEST, SAM, ALEX, PAGE_REPLY, PAT, HARVEST_COMMENT}
    assert len(result.items) == len(by_id)  # the post on both feed pages is there once
    assert by_id[PAT].parent_external_id == CLOSURE
    assert by_id[PAGE_REPLY].parent_external_id == SAM
    assert by_id[PAGE_REPLY].extra["by_page"] is True
    assert by_id[SAM].extra["author_key"] == by_id[HARVEST_COMMENT].extra["author_key"]
    closure_comments = server.requests_to(edge(f"{CLOSURE}/comments"))
    # Three pages: the first, an empty one that still had `next`, then the last.
    assert [query_of(r.query).get("after") for r in closure_comments] == [
        None,
        "QVFIUkFmdGVyMQ",
        "QVFIUkFmdGVyMg",
    ]
    assert result.requests == 2 + 3 + 1 + 1
    for request in server.requests:
        query = query_of(request.query)
        assert query["access_token"] == TOKEN  # ours, never the one in a `next` link
    first = query_of(server.requests_to(edge(f"{PAGE_ID}/feed"))[0].query)
    assert first["fields"] == (
        "id,message,story,attachments{title,description},created_time,updated_time,from,"
        "permalink_url,status_type,is_hidden"
    )
    since = datetime.fromtimestamp(int(first["since"]), UTC)
    assert abs(since - (datetime.now(UTC) - timedelta(days=14))) < timedelta(minutes=5)
    assert query_of(closure_comments[0].query)["filter"] == "stream"
    assert "is_hidden" in query_of(closure_comments[0].query)["fields"]
    cursor = FacebookCursor.from_json(result.cursor)
    assert set(cursor.posts) == {CLOSURE, VISITOR, HARVEST}


def test_next_poll_asks_since_the_last_poll_less_an_hour_and_sees_edits(
    server: LoopbackServer, token_env: None
) -> None:
    route_page(server)
    first = poll(server)
    server.requests.clear()
    server.route(edge(f"{PAGE_ID}/feed"), reply("feed_empty.json"))
    server.route(edge(f"{CLOSURE}/comments"), reply("comments_edited.json"))
    second = poll(server, dict(first.cursor))
    last_poll = FacebookCursor.from_json(first.cursor).last_poll
    assert last_poll is not None
    since = query_of(server.requests_to(edge(f"{PAGE_ID}/feed"))[0].query)["since"]
    assert int(since) == int((last_poll - timedelta(hours=1)).timestamp())
    by_id = {item.external_id: item for item in second.items}
    # Comments on posts no longer in the feed are still read: that is how new ones are found.
    assert {SAM, ALEX, PAGE_REPLY, PAT, HARVEST_COMMENT} <= set(by_id)
    assert "resign" in by_id[SAM].text and by_id[SAM].visibility == Visibility.HIDDEN


def test_a_post_deleted_since_is_dropped_from_the_comment_pass(
    server: LoopbackServer, token_env: None
) -> None:
    route_page(server)
    server.route(edge(f"{VISITOR}/comments"), reply("error_100_33.json", status=400))
    result = poll(server)
    assert VISITOR not in FacebookCursor.from_json(result.cursor).posts
    assert any(item.external_id == PAT for item in result.items)


def test_quota_above_80_percent_skips_the_comment_pass_for_a_while(
    server: LoopbackServer, token_env: None
) -> None:
    usage = json.dumps(
        {
            PAGE_ID: [
                {
                    "type": "pages",
                    "call_count": 92,
                    "total_cputime": 10,
                    "total_time": 12,
                    "estimated_time_to_regain_access": 0,
                }
            ]
        }
    )
    route_page(server)
    server.route(
        edge(f"{PAGE_ID}/feed"),
        reply("feed_1.json", headers={"X-Business-Use-Case-Usage": usage}),
    )
    result = poll(server)
    assert not [r for r in server.requests if r.path.endswith("/comments")]
    assert {item.item_type for item in result.items} == {"post"}
    cursor = FacebookCursor.from_json(result.cursor)
    assert cursor.slow_until is not None and cursor.slow_until > datetime.now(UTC)
    server.route(edge(f"{PAGE_ID}/feed"), reply("feed_empty.json"))
    poll(server, dict(result.cursor))  # still slowed down: the feed only
    assert not [r for r in server.requests if r.path.endswith("/comments")]


@pytest.mark.parametrize(
    ("name", "status", "error_type", "health", "words"),
    [
        ("error_190_463.json", 400, SourceAuthError, Health.AUTH_EXPIRED, "the token has expired"),
        ("error_190_460.json", 400, SourceAuthError, Health.AUTH_EXPIRED, "password"),
        ("error_10.json", 403, SourceAuthError, Health.AUTH_EXPIRED, "pages_read_user_content"),
        ("error_12.json", 400, GraphDeprecatedError, Health.PARSER_BROKEN, "deprecated in"),
    ],
    ids=["190-463-expired", "190-460-password", "10-permission", "12-deprecated"],
)
def test_graph_errors_become_one_readable_line(
    server: LoopbackServer,
    token_env: None,
    name: str,
    status: int,
    error_type: type[SourceError],
    health: Health,
    words: str,
) -> None:
    server.route(edge(f"{PAGE_ID}/feed"), reply(name, status=status))
    with pytest.raises(SourceError) as caught:
        poll(server)
    error = caught.value
    assert type(error) is error_type and error.health == health
    message = str(error)
    assert words in message and "\n" not in message
    assert message.startswith(f"127.0.0.1/{VERSION}/{PAGE_ID}/feed: ")  # host + path, no query
    assert TOKEN not in message and "access_token" not in message
    assert "fbtrace_id" in message
    assert len(server.requests) == 1  # not retried
    if error.health == Health.AUTH_EXPIRED and "190" in message:
        assert f"the environment variable {TOKEN_ENV}" in message  # where to put a new one


def test_rate_limit_80001_waits_as_long_as_facebook_estimates(
    server: LoopbackServer, token_env: None
) -> None:
    usage = json.dumps(
        {
            PAGE_ID: [
                {
                    "type": "pages",
                    "call_count": 100,
                    "total_cputime": 40,
                    "total_time": 60,
                    "estimated_time_to_regain_access": 25,
                }
            ]
        }
    )
    server.route(
        edge(f"{PAGE_ID}/feed"),
        reply("error_80001.json", status=400, headers={"X-Business-Use-Case-Usage": usage}),
    )
    before = datetime.now(UTC)
    with pytest.raises(SourceRateLimitedError) as caught:
        poll(server)
    retry_at = caught.value.retry_at
    assert retry_at is not None
    assert before + timedelta(minutes=25) <= retry_at <= datetime.now(UTC) + timedelta(minutes=25)
    assert "too many calls" in str(caught.value)


def test_a_token_echoed_in_a_graph_error_is_masked(server: LoopbackServer, token_env: None) -> None:
    body = {
        "error": {
            "message": f"Invalid OAuth access token {TOKEN}",
            "code": 190,
            "type": "OAuthException",
        }
    }
    server.route(edge(f"{PAGE_ID}/feed"), Reply(status=400, body=json.dumps(body)))
    with pytest.raises(SourceAuthError) as caught:
        poll(server)
    assert TOKEN not in str(caught.value)


def test_an_error_status_without_a_graph_error_is_unavailable(
    server: LoopbackServer, token_env: None
) -> None:
    server.route(edge(f"{PAGE_ID}/feed"), Reply(status=500, body=b"<html>oops</html>"))
    with pytest.raises(SourceUnavailableError, match="HTTP 500 without a Graph API error"):
        poll(server)


def test_appsecret_proof_is_sent_when_an_app_secret_is_configured(
    server: LoopbackServer, token_env: None
) -> None:
    import hashlib
    import hmac

    route_page(server)
    poll(server, app_secret_env=APP_SECRET_ENV)
    expected = hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
    assert all(query_of(r.query)["appsecret_proof"] == expected for r in server.requests)


# ---- config -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"page_id": "CalcotSchools"}, "numeric id"),
        ({"api_version": "24"}, "Graph API version"),
        ({"access_token_env": None}, "exactly one of access_token_env"),
        ({"comment_lookback_days": -1}, "greater than or equal"),
        ({"api_url": "ftp://graph.example"}, r"http\(s\) URL"),
    ],
)
def test_config_refuses_bad_values(
    server: LoopbackServer, token_env: None, keys: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        config_for(server, **keys)


def test_config_defaults(server: LoopbackServer, token_env: None) -> None:
    config = config_for(server)
    assert config.comment_lookback_days == 14 and config.page_size == 100
    assert config.token().reveal() == TOKEN
    assert FacebookPageConfig.model_fields["api_url"].default == "https://graph.facebook.com"


# ---- end to end: monitor scan, monitor status ----------------------------------------------


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


def test_scan_stores_posts_and_comments_once_with_their_threads_and_edits(
    server: LoopbackServer, token_env: None, tmp_path: Path
) -> None:
    route_page(server)
    path = write_facebook_config(tmp_path, server)
    assert run("--config", str(path), "scan").exit_code == 0
    assert run("--config", str(path), "scan").exit_code == 0  # the same again: nothing new
    listed = json.loads(run("--config", str(path), "mentions", "--format", "json").output)
    assert sorted(m["external_id"] for m in listed) == sorted(
        [CLOSURE, VISITOR, HARVEST, SAM, ALEX, PAGE_REPLY, PAT, HARVEST_COMMENT]
    )
    parents = {m["external_id"]: m["parent_external_id"] for m in listed}
    assert parents[ALEX] == SAM and parents[SAM] == CLOSURE and parents[CLOSURE] is None
    types = {m["external_id"]: m["item_type"] for m in listed}
    assert types[CLOSURE] == "post" and types[PAT] == "comment"

    server.route(edge(f"{CLOSURE}/comments"), reply("comments_edited.json"))
    assert run("--config", str(path), "scan").exit_code == 0
    store = Store.open(f"sqlite:///{tmp_path / 'monitor.db'}")
    try:
        with store.transaction() as tx:
            stored = {m.external_id: m for m in list_mentions(tx, source="facebook")}
            assert len(stored) == 8
            edited = stored[SAM]
            assert edited.version == 2 and "resign" in edited.text
            assert edited.visibility == Visibility.HIDDEN
            [old] = versions(tx, edited.id)
            assert "some of us have jobs" in old.text  # the earlier text is kept
            assert stored[ALEX].version == 1  # the edit of its parent did not touch a reply
            assert stored[CLOSURE].extra["by_page"] is True
    finally:
        store.close()


def test_a_comment_without_an_id_is_skipped_and_the_rest_of_the_page_stored(
    server: LoopbackServer, token_env: None, tmp_path: Path
) -> None:
    route_page(server)
    server.route(edge(f"{HARVEST}/comments"), reply("comments_harvest_one_without_id.json"))
    path = write_facebook_config(tmp_path, server)
    scanned = run("--config", str(path), "scan")
    assert scanned.exit_code == 0, scanned.output
    assert "1 unreadable item skipped" in scanned.stdout
    assert f"comments of {HARVEST} data[1].id is missing" in scanned.stdout
    # The good comment on the same page is stored, and so is everything else.
    assert stored_ids(path, "facebook") == {
        CLOSURE, VISITOR, HARVEST, SAM, ALEX, PAGE_REPLY, PAT, HARVEST_COMMENT
    }  # fmt: skip
    status = statuses(path)["facebook"]
    assert (status["health"], status["skipped_items"]) == ("ok", 1)

    # A page of comments none of which can be read: the shape changed, the source says so.
    server.route(edge(f"{HARVEST}/comments"), reply("comments_harvest_none_with_id.json"))
    assert run("--config", str(path), "scan").exit_code == 1
    status = statuses(path)["facebook"]
    assert status["health"] == "parser_broken"
    assert f"comments of {HARVEST} data[0].id is missing or not text" in status["last_error"]


def test_scan_stores_a_post_without_a_message_with_the_words_it_shares(
    server: LoopbackServer, token_env: None, tmp_path: Path
) -> None:
    server.route(edge(f"{PAGE_ID}/feed"), reply("feed_shared_link.json"))
    for post_id in (SHARED_LINK, PHOTOS, HIDDEN_SPAM):
        server.route(edge(f"{post_id}/comments"), reply("comments_empty.json"))
    path = write_facebook_config(tmp_path, server)
    assert run("--config", str(path), "scan").exit_code == 0
    [feed_request] = server.requests_to(edge(f"{PAGE_ID}/feed"))
    fields = query_of(feed_request.query)["fields"]
    assert ",story," in fields and ",attachments{title,description}," in fields
    listed = json.loads(run("--config", str(path), "mentions", "--format", "json").output)
    by_id = {mention["external_id"]: mention for mention in listed}
    shared = by_id[SHARED_LINK]
    assert shared["text"].startswith("Jo Visitor shared a link.\nParents angry as Calcot Junior")
    assert "called the chaos a disgrace" in shared["text"]
    # Words to score, so the share of a hostile headline is seen for what it is.
    assert shared["sentiment"] < 0 and "negative" in shared["labels"]
    assert by_id[HIDDEN_SPAM]["visibility"] == "hidden"
    assert shared["visibility"] == "visible"
    table = run("--config", str(path), "mentions").output
    assert "(hidden) Spam spam spam" in table


def test_status_shows_an_expired_token_as_auth_expired_with_the_remedy(
    server: LoopbackServer, token_env: None, tmp_path: Path
) -> None:
    server.route(edge(f"{PAGE_ID}/feed"), reply("error_190_463.json", status=400))
    path = write_facebook_config(tmp_path, server)
    assert run("--config", str(path), "scan").exit_code == 1
    [status] = json.loads(run("--config", str(path), "status", "--format", "json").output)
    assert status["health"] == "auth_expired"
    assert "the token has expired" in status["last_error"]
    assert f"put it in the environment variable {TOKEN_ENV}" in status["last_error"]
    table = run("--config", str(path), "status").output
    assert "auth_expired" in table


def test_token_and_app_secret_appear_in_no_row_log_line_or_error(
    server: LoopbackServer, tmp_path: Path
) -> None:
    route_page(server)
    server.route(edge(f"{HARVEST}/comments"), reply("error_190_460.json", status=400))
    path = write_facebook_config(tmp_path, server, app_secret_env=APP_SECRET_ENV)
    env = {**os.environ, TOKEN_ENV: TOKEN, APP_SECRET_ENV: APP_SECRET}
    outputs = []
    for args in (["scan"], ["status", "--format", "json"], ["mentions", "--format", "json"]):
        result = subprocess.run(
            [sys.executable, "-m", "monitor", "-v", "--config", str(path), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        outputs.append(result.stdout + result.stderr)
    assert "password" in outputs[0]  # the failure was reported
    assert "DEBUG" in outputs[0]
    assert server.requests  # the token was really sent
    proof = query_of(server.requests[0].query)["appsecret_proof"]
    for output in outputs:
        assert TOKEN not in output and APP_SECRET not in output and proof not in output
    for file in tmp_path.glob("monitor.db*"):
        data = file.read_bytes()
        assert TOKEN.encode() not in data and APP_SECRET.encode() not in data
        assert proof.encode() not in data
