"""Graph's errors and changed shapes, each one readable line; an expired token in status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.model import Health
from sources.errors import SourceAuthError, SourceError, SourceUnavailableError
from sources.facebook_page.api import GraphDeprecatedError
from sources.facebook_page.parse import (
    GRAPH,
    graph_problem,
    parse_page,
    parse_post,
    regain_minutes,
    usage_percent,
)
from tests.loopback import LoopbackServer, Reply
from tests.sources.facebook_page.support import (
    PAGE_ID,
    TOKEN,
    TOKEN_ENV,
    VERSION,
    edge,
    fixture,
    poll,
    reply,
    run,
    write_facebook_config,
)


def test_a_changed_shape_is_one_format_error_naming_the_field() -> None:
    broken = {"data": [{"message": "no id"}]}
    entry = GRAPH.mapping(parse_page(broken, "feed").data[0], "feed data[0]")
    with pytest.raises(SourceError, match=r"Graph API: feed data\[0\]\.id is missing"):
        parse_post(entry, "feed data[0]")
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


def test_an_error_status_without_a_graph_error_is_unavailable(
    server: LoopbackServer, token_env: None
) -> None:
    server.route(edge(f"{PAGE_ID}/feed"), Reply(status=500, body=b"<html>oops</html>"))
    with pytest.raises(SourceUnavailableError, match="HTTP 500 without a Graph API error"):
        poll(server)


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
