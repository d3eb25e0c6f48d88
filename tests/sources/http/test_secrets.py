"""Secrets in URLs: no error, traceback, log line or repr holds the query string."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import pytest

from sources.errors import SourceError, SourceUnavailableError
from tests.loopback import LoopbackServer, Reply
from tests.sources.http.support import ROBOTS, closed_port, get, run

SECRET_QUERY = "?access_token=SECRET123"


@pytest.mark.parametrize(
    ("path", "replies", "options"),
    [
        ("/api", [Reply(status=404)], {}),
        ("/api", [Reply(status=401)], {}),
        ("/api", [Reply(status=500)], {}),
        ("/api", [Reply(status=429, headers={"Retry-After": "5"})], {}),
        ("/api", [Reply(body=b"{" * 10, truncate=True)], {}),
        ("/api", [Reply(body=b"x" * 2000)], {"max_body": 1000}),
        ("/api", [Reply(body=b"x" * 6400, trickle=0.05)], {"timeout": 0.3}),
        (
            "/api",
            [Reply(status=302, headers={"Location": "gopher://x/?access_token=SECRET123"})],
            {},
        ),
        ("/members/api", [], {"robots": True}),
    ],
)
def test_no_error_or_log_line_holds_the_query_string(
    server: LoopbackServer,
    caplog: pytest.LogCaptureFixture,
    path: str,
    replies: list[Reply],
    options: dict[str, Any],
) -> None:
    server.route("/robots.txt", Reply(body=ROBOTS))
    if replies:
        server.route(path, *replies)
    robots = options.pop("robots", False)
    caplog.set_level(logging.DEBUG, logger="sources")
    with pytest.raises(SourceError) as raised:
        run(get(f"{server.url}{path}{SECRET_QUERY}", robots=robots), retries=1, **options)
    assert str(raised.value).startswith(f"127.0.0.1{path}: ")
    assert "SECRET123" not in str(raised.value)
    assert "access_token" not in str(raised.value)
    assert "SECRET123" not in "".join(traceback.format_exception(raised.value))
    ours = [record.getMessage() for record in caplog.records if record.name.startswith("sources")]
    assert not [line for line in ours if "SECRET123" in line]


def test_connection_error_message_holds_no_query_string() -> None:
    with pytest.raises(SourceUnavailableError) as raised:
        run(get(f"http://127.0.0.1:{closed_port()}/api{SECRET_QUERY}"), retries=0)
    assert "SECRET123" not in "".join(traceback.format_exception(raised.value))


def test_response_repr_leaves_out_the_url(server: LoopbackServer) -> None:
    server.route("/api", Reply(body=b"{}"))
    assert "SECRET123" not in repr(run(get(f"{server.url}/api{SECRET_QUERY}")))
