"""The shared HTTP client against a real loopback server: errors, retries, caps, robots, manners."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import socket
import threading
import traceback
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest

import monitor
from sources.errors import (
    SourceAuthError,
    SourceBlockedError,
    SourceError,
    SourceFormatError,
    SourceRateLimitedError,
    SourceUnavailableError,
)
from sources.http import PoliteClient, Response, user_agent
from tests.loopback import LoopbackServer, Reply, Request

T = TypeVar("T")
NOW = datetime(2026, 11, 25, 9, 58, tzinfo=UTC)
RETRY_AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
HOST = "127.0.0.1"
CONTACT = "it@calcot.example"


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def client(**options: Any) -> PoliteClient:
    """A client with test-sized backoff and a fixed clock, unless the test says otherwise."""
    settings: dict[str, Any] = {"contact": CONTACT, "backoff": 0.01, "clock": Clock()}
    return PoliteClient(**(settings | options))


def run(scenario: Callable[[PoliteClient], Awaitable[T]], **options: Any) -> T:
    """Run `scenario` with a fresh client on a fresh event loop."""

    async def main() -> T:
        async with client(**options) as http:
            return await scenario(http)

    return asyncio.run(main())


def get(url: str, **options: Any) -> Callable[[PoliteClient], Awaitable[Response]]:
    """A scenario: one GET of `url` with keyword arguments `options`."""
    return lambda http: http.get(url, **options)


def header(request: Request, name: str) -> str | None:
    """A request header, whatever its case on the wire."""
    return {key.lower(): value for key, value in request.headers.items()}.get(name.lower())


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# --- identity -----------------------------------------------------------------------------------


def test_user_agent_has_product_version_contact_and_library() -> None:
    assert user_agent(CONTACT) == (
        f"reputation-monitor/{monitor.__version__} (it@calcot.example) httpx/{httpx.__version__}"
    )


def test_user_agent_keeps_a_contact_on_one_line() -> None:
    assert "\n" not in user_agent("it@calcot.example\r\nX-Injected: 1")


def test_every_request_carries_the_user_agent_even_if_the_caller_sets_another(
    server: LoopbackServer,
) -> None:
    server.route("/a", Reply(body=b"ok"))
    run(get(f"{server.url}/a", headers={"User-Agent": "curl/8"}))
    assert header(server.requests[0], "User-Agent") == user_agent(CONTACT)


# --- success ------------------------------------------------------------------------------------


def test_json_response_is_parsed(server: LoopbackServer) -> None:
    server.route(
        "/api", Reply(body=b'{"pages": [1, 2]}', headers={"Content-Type": "application/json"})
    )
    response = run(get(f"{server.url}/api"))
    assert response.status == 200
    assert response.json() == {"pages": [1, 2]}
    assert response.label == "127.0.0.1/api"
    assert response.url == f"{server.url}/api"


def test_invalid_json_is_a_format_error_naming_the_label(server: LoopbackServer) -> None:
    server.route("/api", Reply(body=b"<html>Service unavailable</html>"))
    response = run(get(f"{server.url}/api"))
    with pytest.raises(SourceFormatError, match=r"^127\.0\.0\.1/api: response is not valid JSON$"):
        response.json()


def test_params_are_added_to_the_query(server: LoopbackServer) -> None:
    server.route("/api", Reply(body=b"{}"))
    run(get(f"{server.url}/api?format=json", params={"action": "query", "limit": 50}))
    assert server.requests[0].query == "format=json&action=query&limit=50"


@pytest.mark.parametrize(
    ("content_type", "body", "text"),
    [
        ("text/html; charset=iso-8859-1", "café".encode("latin-1"), "café"),
        ("text/html", "café".encode(), "café"),
        ("text/html; charset=no-such-charset", "café".encode(), "café"),
        ("text/plain; charset=utf-8", b"caf\xff", "caf\ufffd"),
    ],
)
def test_text_uses_the_declared_charset_with_utf8_fallback(
    server: LoopbackServer, content_type: str, body: bytes, text: str
) -> None:
    server.route("/page", Reply(body=body, headers={"Content-Type": content_type}))
    assert run(get(f"{server.url}/page")).text == text


def test_gzip_body_is_decoded(server: LoopbackServer) -> None:
    server.route(
        "/api", Reply(body=gzip.compress(b'{"ok": true}'), headers={"Content-Encoding": "gzip"})
    )
    assert run(get(f"{server.url}/api")).json() == {"ok": True}
    assert "gzip" in (header(server.requests[0], "Accept-Encoding") or "")


def test_post_sends_json(server: LoopbackServer) -> None:
    server.route("/token", Reply(body=b'{"access_token": "x"}'))
    response = run(lambda http: http.post(f"{server.url}/token", json={"grant": "refresh"}))
    assert response.json() == {"access_token": "x"}
    assert server.requests[0].method == "POST"
    assert json.loads(server.requests[0].body) == {"grant": "refresh"}


def test_post_sends_a_form(server: LoopbackServer) -> None:
    server.route("/token", Reply(body=b'{"access_token": "x"}'))
    form = {"grant_type": "refresh_token", "refresh_token": "1//a b&c=d"}
    run(lambda http: http.post(f"{server.url}/token", form=form))
    [request] = server.requests
    assert header(request, "Content-Type") == "application/x-www-form-urlencoded"
    assert request.body == b"grant_type=refresh_token&refresh_token=1%2F%2Fa+b%26c%3Dd"


@pytest.mark.parametrize("bodies", [{}, {"json": {}, "form": {}}])
def test_post_takes_one_body_json_or_form(server: LoopbackServer, bodies: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="exactly one of json= and form="):
        run(lambda http: http.post(f"{server.url}/token", **bodies))
    assert server.requests == []


# --- retries ------------------------------------------------------------------------------------


def test_server_error_then_success_is_retried(server: LoopbackServer) -> None:
    server.route("/api", Reply(status=500), Reply(body=b'{"ok": 1}'))

    async def scenario(http: PoliteClient) -> tuple[Response, int]:
        response = await http.get(f"{server.url}/api")
        return response, http.requests_made

    response, requests_made = run(scenario)
    assert response.json() == {"ok": 1}
    assert requests_made == 2
    assert len(server.requests_to("/api")) == 2


def test_persistent_server_error_fails_after_retries_plus_one_requests(
    server: LoopbackServer,
) -> None:
    server.route("/api", Reply(status=500))
    with pytest.raises(SourceUnavailableError) as raised:
        run(get(f"{server.url}/api"), retries=2)
    assert str(raised.value) == "127.0.0.1/api: HTTP 500 Internal Server Error (after 3 attempts)"
    assert len(server.requests_to("/api")) == 3


def test_post_is_never_retried(server: LoopbackServer) -> None:
    server.route("/token", Reply(status=500), Reply(body=b"{}"))
    with pytest.raises(SourceUnavailableError, match=r"^127\.0\.0\.1/token: HTTP 500 "):
        run(lambda http: http.post(f"{server.url}/token", json={}), retries=2)
    assert len(server.requests_to("/token")) == 1


def test_connection_refused_is_unavailable_after_retries() -> None:
    async def scenario(http: PoliteClient) -> int:
        with pytest.raises(SourceUnavailableError, match=r"^127\.0\.0\.1/api: could not connect"):
            await http.get(f"http://127.0.0.1:{closed_port()}/api")
        return http.requests_made

    assert run(scenario, retries=1) == 2


# --- rate limits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "retry_after"),
    [(429, "120"), (429, "Wed, 25 Nov 2026 10:00:00 GMT"), (503, "120")],
)
def test_rate_limit_honours_retry_after_and_spares_the_host_until_then(
    server: LoopbackServer, status: int, retry_after: str
) -> None:
    server.route("/api", Reply(status=status, headers={"Retry-After": retry_after}))
    server.route("/other", Reply(body=b"{}"))

    async def scenario(http: PoliteClient) -> None:
        with pytest.raises(SourceRateLimitedError) as first:
            await http.get(f"{server.url}/api")
        assert first.value.retry_at == RETRY_AT
        assert str(first.value).startswith(f"127.0.0.1/api: HTTP {status} ")
        assert http.retry_at(HOST) == RETRY_AT
        with pytest.raises(SourceRateLimitedError) as second:
            await http.get(f"{server.url}/other")
        assert second.value.retry_at == RETRY_AT
        assert str(second.value) == "127.0.0.1: rate limited until 2026-11-25T10:00:00Z"

    run(scenario, retries=2)
    assert [request.path for request in server.requests] == ["/api"]


@pytest.mark.parametrize(
    "retry_after",
    [
        str(30 * 24 * 3600),  # 30 days in seconds
        "Fri, 25 Dec 2026 09:58:00 GMT",  # 30 days ahead as an HTTP-date
        "9" * 30,  # more seconds than a datetime can hold
    ],
    ids=["seconds", "http_date", "overflow"],
)
def test_a_retry_after_of_more_than_seven_days_is_capped_at_seven(
    server: LoopbackServer, retry_after: str
) -> None:
    server.route("/api", Reply(status=429, headers={"Retry-After": retry_after}))

    async def scenario(http: PoliteClient) -> tuple[datetime | None, datetime | None]:
        with pytest.raises(SourceRateLimitedError) as raised:
            await http.get(f"{server.url}/api")
        return raised.value.retry_at, http.retry_at(HOST)

    capped = NOW + timedelta(days=7)
    assert run(scenario) == (capped, capped)


def test_429_without_retry_after_waits_the_default(server: LoopbackServer) -> None:
    server.route("/api", Reply(status=429))
    with pytest.raises(SourceRateLimitedError) as raised:
        run(get(f"{server.url}/api"), default_retry_after=300)
    assert raised.value.retry_at == NOW + timedelta(seconds=300)


def test_host_is_asked_again_once_retry_after_has_passed(server: LoopbackServer) -> None:
    server.route("/api", Reply(status=429, headers={"Retry-After": "120"}), Reply(body=b"{}"))
    clock = Clock()

    async def scenario(http: PoliteClient) -> Response:
        with pytest.raises(SourceRateLimitedError):
            await http.get(f"{server.url}/api")
        clock.now = RETRY_AT
        assert http.retry_at(HOST) is None
        return await http.get(f"{server.url}/api")

    assert run(scenario, clock=clock).status == 200
    assert len(server.requests_to("/api")) == 2


def test_503_without_retry_after_is_retried_as_a_server_error(server: LoopbackServer) -> None:
    server.route("/api", Reply(status=503), Reply(body=b"{}"))
    assert run(get(f"{server.url}/api")).status == 200
    assert len(server.requests_to("/api")) == 2


# --- status mapping -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (401, SourceAuthError, "127.0.0.1/api: HTTP 401 Unauthorized"),
        (403, SourceBlockedError, "127.0.0.1/api: HTTP 403 Forbidden"),
        (404, SourceUnavailableError, "127.0.0.1/api: HTTP 404 Not Found"),
        (410, SourceUnavailableError, "127.0.0.1/api: HTTP 410 Gone"),
    ],
)
def test_client_errors_map_onto_source_errors_without_retry(
    server: LoopbackServer, status: int, error: type[SourceError], message: str
) -> None:
    server.route("/api", Reply(status=status, body=b"details the user need not see"))
    with pytest.raises(error) as raised:
        run(get(f"{server.url}/api"))
    assert type(raised.value) is error
    assert str(raised.value) == message
    assert len(server.requests) == 1


def test_ok_statuses_are_returned_not_raised(server: LoopbackServer) -> None:
    server.route("/api", Reply(status=404, body=b'{"error": "missing"}'))
    response = run(get(f"{server.url}/api", ok_statuses=(404,)))
    assert response.status == 404
    assert response.json() == {"error": "missing"}


def test_label_replaces_the_url_in_messages(server: LoopbackServer) -> None:
    server.route("/alerts/feeds/0123/4567", Reply(status=404))
    with pytest.raises(SourceUnavailableError) as raised:
        run(get(f"{server.url}/alerts/feeds/0123/4567", label="google.com"))
    assert str(raised.value) == "google.com: HTTP 404 Not Found"


# --- conditional GET ----------------------------------------------------------------------------


def test_conditional_get_returns_304_as_not_modified(server: LoopbackServer) -> None:
    server.route("/feed", Reply(body=b"<feed/>", etag='"v1"'))

    async def scenario(http: PoliteClient) -> tuple[Response, Response]:
        first = await http.get(f"{server.url}/feed")
        second = await http.get(f"{server.url}/feed", etag=first.etag)
        return first, second

    first, second = run(scenario)
    assert (first.status, first.not_modified, first.etag) == (200, False, '"v1"')
    assert second.not_modified
    assert second.content == b""
    assert header(server.requests[0], "If-None-Match") is None
    assert header(server.requests[1], "If-None-Match") == '"v1"'


def test_last_modified_is_sent_as_if_modified_since(server: LoopbackServer) -> None:
    stamp = "Wed, 25 Nov 2026 08:00:00 GMT"
    server.route("/feed", Reply(status=304, headers={"Last-Modified": stamp}))
    response = run(get(f"{server.url}/feed", last_modified=stamp))
    assert response.not_modified
    assert response.last_modified == stamp
    assert header(server.requests[0], "If-Modified-Since") == stamp


# --- deadlines and byte caps --------------------------------------------------------------------


def test_body_trickling_past_the_total_deadline_fails(server: LoopbackServer) -> None:
    # 100 chunks of 64 bytes, 0.05 s apart: every read is quick, the whole body takes 5 s.
    server.route("/slow", Reply(body=b"x" * 6400, trickle=0.05))
    with pytest.raises(SourceUnavailableError) as raised:
        run(get(f"{server.url}/slow"), timeout=0.5, retries=0)
    assert str(raised.value) == "127.0.0.1/slow: no complete response within 0.5s"


def test_headers_later_than_the_deadline_fail_and_are_retried(server: LoopbackServer) -> None:
    server.route("/slow", Reply(body=b"{}", delay=2))
    with pytest.raises(SourceUnavailableError) as raised:
        run(get(f"{server.url}/slow"), timeout=0.3, retries=1)
    assert (
        str(raised.value) == "127.0.0.1/slow: no complete response within 0.3s (after 2 attempts)"
    )
    assert len(server.requests) == 2


def test_truncated_body_is_unavailable(server: LoopbackServer) -> None:
    server.route("/api", Reply(body=b"{" * 100, truncate=True))
    with pytest.raises(SourceUnavailableError) as raised:
        run(get(f"{server.url}/api"), retries=1)
    assert str(raised.value).startswith("127.0.0.1/api: connection closed before the response")
    assert len(server.requests) == 2


def test_gzip_bomb_is_refused_once_the_cap_is_passed(server: LoopbackServer) -> None:
    server.route("/bomb", Reply(gzip_bomb=200 * 1024 * 1024))
    with pytest.raises(SourceUnavailableError) as raised:
        run(get(f"{server.url}/bomb"), max_body=1024 * 1024)
    assert str(raised.value) == "127.0.0.1/bomb: response larger than 1 MiB"
    assert len(server.requests) == 1  # not retried: it would only be as large again


def test_gzip_bomb_never_holds_much_more_than_the_cap_in_memory(server: LoopbackServer) -> None:
    server.route("/bomb", Reply(gzip_bomb=50 * 1024 * 1024))
    tracemalloc.start()
    try:
        with pytest.raises(SourceUnavailableError, match="larger than 1 MiB"):
            run(get(f"{server.url}/bomb"), max_body=1024 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Inflating a whole network read at once would hold about 64 MiB.
    assert peak < 16 * 1024 * 1024


@pytest.mark.parametrize("encoded", [False, True])
def test_body_cap_counts_decoded_bytes_exactly(server: LoopbackServer, encoded: bool) -> None:
    def reply(size: int) -> Reply:
        body = b"a" * size
        if encoded:
            return Reply(body=gzip.compress(body), headers={"Content-Encoding": "gzip"})
        return Reply(body=body)

    server.route("/fits", reply(1000))
    server.route("/over", reply(1001))

    async def scenario(http: PoliteClient) -> Response:
        with pytest.raises(SourceUnavailableError, match="larger than 1000 bytes"):
            await http.get(f"{server.url}/over")
        return await http.get(f"{server.url}/fits")

    assert len(run(scenario, max_body=1000).content) == 1000


def test_corrupt_gzip_is_unavailable(server: LoopbackServer) -> None:
    server.route("/api", Reply(body=b"not gzip at all", headers={"Content-Encoding": "gzip"}))
    with pytest.raises(SourceUnavailableError, match=r"^127\.0\.0\.1/api: .* not valid gzip$"):
        run(get(f"{server.url}/api"))


# --- redirects ----------------------------------------------------------------------------------


def test_redirect_is_followed_to_the_final_url(server: LoopbackServer) -> None:
    server.route("/old", Reply(status=301, headers={"Location": "/new?page=2"}))
    server.route("/new", Reply(body=b"{}"))
    response = run(get(f"{server.url}/old"))
    assert response.status == 200
    assert response.url == f"{server.url}/new?page=2"
    assert [request.target for request in server.requests] == ["/old", "/new?page=2"]


def test_redirect_loop_stops_after_five_hops(server: LoopbackServer) -> None:
    server.route("/loop", Reply(status=302, headers={"Location": "/loop"}))
    with pytest.raises(SourceUnavailableError) as raised:
        run(get(f"{server.url}/loop"))
    assert str(raised.value) == "127.0.0.1/loop: more than 5 redirects"
    assert len(server.requests) == 6


def test_redirect_to_another_scheme_is_refused(server: LoopbackServer) -> None:
    server.route("/old", Reply(status=302, headers={"Location": "file:///etc/passwd"}))
    with pytest.raises(SourceUnavailableError, match="not http or https"):
        run(get(f"{server.url}/old"))


CREDENTIALS = {
    "Authorization": "Bearer SECRET123",
    "Proxy-Authorization": "Basic cHJveHk6c2VjcmV0",
    "Cookie": "session=SECRET-COOKIE",
    "X-Fixture-Key": "SECRET-KEY-456",  # marked secret by the caller
}


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_to_another_origin_drops_every_credential(
    server: LoopbackServer, status: int
) -> None:
    other = LoopbackServer().start()  # another port: another origin
    try:
        other.route("/landing", Reply(body=b"{}"))
        # The redirect also sets a cookie: the client's jar must not hand it to the other origin.
        moved = {"Location": f"{other.url}/landing", "Set-Cookie": "jar=SECRET-JAR; Path=/"}
        server.route("/old", Reply(status=status, headers=moved))
        headers = {**CREDENTIALS, "Accept": "application/json"}
        run(get(f"{server.url}/old", headers=headers, secret_headers=["x-fixture-key"]))
        for name, value in CREDENTIALS.items():
            assert header(server.requests[0], name) == value  # the configured origin gets them
        [landed] = other.requests
        for name in (*CREDENTIALS, "Cookie"):
            assert header(landed, name) is None
        assert "SECRET" not in f"{landed.target} {landed.headers} {landed.body!r}"
        assert header(landed, "Accept") == "application/json"  # what is no secret still goes
        assert header(landed, "User-Agent") == user_agent(CONTACT)
    finally:
        other.stop()


def test_redirect_within_the_origin_keeps_the_credentials(server: LoopbackServer) -> None:
    server.route("/old", Reply(status=307, headers={"Location": "/new"}))
    server.route("/new", Reply(body=b"{}"))
    run(get(f"{server.url}/old", headers=CREDENTIALS, secret_headers=["X-Fixture-Key"]))
    for name, value in CREDENTIALS.items():
        assert header(server.requests[1], name) == value


@pytest.mark.parametrize("status", [307, 308])
@pytest.mark.parametrize("body", [{"json": {"secret": "SECRET-BODY"}}, {"form": {"s": "SECRET"}}])
def test_a_body_is_never_sent_on_to_another_origin(
    server: LoopbackServer, status: int, body: dict[str, Any]
) -> None:
    other = LoopbackServer().start()  # another port: another origin
    try:
        other.route("/token", Reply(body=b"{}"))
        server.route("/token", Reply(status=status, headers={"Location": f"{other.url}/token?q=1"}))
        with pytest.raises(SourceUnavailableError) as raised:
            run(lambda http: http.post(f"{server.url}/token", **body))
        assert other.requests == []
        assert len(server.requests) == 1
        port = other.url.rsplit(":", 1)[1]
        assert str(raised.value) == (
            f"127.0.0.1/token: redirected (HTTP {status}) to another origin"
            f" (http://127.0.0.1:{port}); a request body is never sent on to another origin,"
            " so check the configured URL"
        )
    finally:
        other.stop()


def test_a_body_follows_a_redirect_within_the_origin(server: LoopbackServer) -> None:
    server.route("/token", Reply(status=308, headers={"Location": "/v2/token"}))
    server.route("/v2/token", Reply(body=b"{}"))
    run(lambda http: http.post(f"{server.url}/token", form={"a": "1"}))
    assert [(request.method, request.body) for request in server.requests] == [
        ("POST", b"a=1"),
        ("POST", b"a=1"),
    ]


def test_post_redirected_with_303_becomes_get(server: LoopbackServer) -> None:
    server.route("/form", Reply(status=303, headers={"Location": "/done"}))
    server.route("/done", Reply(body=b"{}"))
    run(lambda http: http.post(f"{server.url}/form", json={"a": 1}))
    assert [(request.method, request.body) for request in server.requests] == [
        ("POST", b'{"a":1}'),
        ("GET", b""),
    ]


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/file", "http://", "not a url"])
def test_only_http_urls_are_fetched(url: str) -> None:
    with pytest.raises(SourceUnavailableError):
        run(get(url))


# --- robots.txt ---------------------------------------------------------------------------------

ROBOTS = """\
User-agent: *
Disallow: /search
Disallow: /private/

User-agent: reputation-monitor
Disallow: /members/
"""


def test_robots_allows_and_disallowed_urls_are_never_requested(server: LoopbackServer) -> None:
    server.route("/robots.txt", Reply(body=ROBOTS, headers={"Content-Type": "text/plain"}))
    server.route("/talk/thread-1", Reply(body=b"<html/>"))
    server.route("/members/list", Reply(body=b"<html/>"))

    async def scenario(http: PoliteClient) -> None:
        assert (await http.get(f"{server.url}/talk/thread-1", robots=True)).status == 200
        with pytest.raises(SourceBlockedError) as raised:
            await http.get(f"{server.url}/members/list?page=2", robots=True)
        assert str(raised.value) == "127.0.0.1/members/list: disallowed by robots.txt"

    run(scenario)
    assert [request.path for request in server.requests] == ["/robots.txt", "/talk/thread-1"]
    assert header(server.requests[0], "User-Agent") == user_agent(CONTACT)


def test_robots_rules_for_everyone_apply_when_no_group_names_us(server: LoopbackServer) -> None:
    server.route("/robots.txt", Reply(body="User-agent: *\nDisallow: /search\n"))
    server.route("/talk", Reply(body=b"<html/>"))

    async def scenario(http: PoliteClient) -> None:
        await http.get(f"{server.url}/talk", robots=True)
        with pytest.raises(SourceBlockedError, match=r"disallowed by robots\.txt$"):
            await http.get(f"{server.url}/search?q=calcot", robots=True)

    run(scenario)
    assert [request.path for request in server.requests] == ["/robots.txt", "/talk"]


def test_robots_is_fetched_once_per_origin_and_again_after_a_day(server: LoopbackServer) -> None:
    server.route("/robots.txt", Reply(body=ROBOTS))
    server.route("/talk", Reply(body=b"<html/>"))
    clock = Clock()

    async def scenario(http: PoliteClient) -> None:
        await http.get(f"{server.url}/talk", robots=True)
        await http.get(f"{server.url}/talk", robots=True)
        assert len(server.requests_to("/robots.txt")) == 1
        clock.now += timedelta(hours=24, seconds=1)
        await http.get(f"{server.url}/talk", robots=True)

    run(scenario, clock=clock)
    assert len(server.requests_to("/robots.txt")) == 2
    assert len(server.requests_to("/talk")) == 3


def test_robots_not_found_allows_everything(server: LoopbackServer) -> None:
    server.route("/search", Reply(body=b"<html/>"))  # /robots.txt is unrouted: 404
    assert run(get(f"{server.url}/search", robots=True)).status == 200
    assert [request.path for request in server.requests] == ["/robots.txt", "/search"]


def test_robots_server_error_disallows_everything(server: LoopbackServer) -> None:
    server.route("/robots.txt", Reply(status=500))
    server.route("/talk", Reply(body=b"<html/>"))

    async def scenario(http: PoliteClient) -> int:
        with pytest.raises(SourceBlockedError, match=r"^127\.0\.0\.1/talk: disallowed by robots"):
            await http.get(f"{server.url}/talk", robots=True)
        return http.requests_made

    assert run(scenario, retries=1) == 2  # robots.txt asked twice, the page never
    assert server.requests_to("/talk") == []


def test_robots_is_not_fetched_unless_asked(server: LoopbackServer) -> None:
    server.route("/api", Reply(body=b"{}"))
    run(get(f"{server.url}/api"))
    assert [request.path for request in server.requests] == ["/api"]


# --- politeness per host ------------------------------------------------------------------------


async def wait_for_requests(server: LoopbackServer, count: int) -> None:
    """Return once the server has received `count` requests (or fail after 5 s)."""
    async with asyncio.timeout(5):
        while len(server.requests) < count:
            await asyncio.sleep(0.01)


def test_concurrency_limit_holds_the_next_request_until_one_finishes(
    server: LoopbackServer,
) -> None:
    release = threading.Event()
    server.route("/held", Reply(body=b"{}", hold=release))
    server.route("/next", Reply(body=b"{}"))

    async def scenario(http: PoliteClient) -> None:
        http.set_host_policy(HOST, concurrency=1)
        held = asyncio.create_task(http.get(f"{server.url}/held"))
        await wait_for_requests(server, 1)
        following = asyncio.create_task(http.get(f"{server.url}/next"))
        await asyncio.sleep(0.2)
        assert [request.path for request in server.requests] == ["/held"]
        release.set()
        await asyncio.gather(held, following)

    try:
        run(scenario)
    finally:
        release.set()
    assert [request.path for request in server.requests] == ["/held", "/next"]


def test_default_concurrency_lets_two_requests_run_together(server: LoopbackServer) -> None:
    release = threading.Event()
    server.route("/held", Reply(body=b"{}", hold=release))

    async def scenario(http: PoliteClient) -> None:
        tasks = [asyncio.create_task(http.get(f"{server.url}/held")) for _ in range(3)]
        await wait_for_requests(server, 2)
        await asyncio.sleep(0.2)
        assert len(server.requests) == 2
        release.set()
        await asyncio.gather(*tasks)

    try:
        run(scenario)
    finally:
        release.set()
    assert len(server.requests) == 3


def test_delay_spaces_request_starts_to_a_host(server: LoopbackServer) -> None:
    server.route("/page", Reply(body=b"{}"))

    async def scenario(http: PoliteClient) -> None:
        http.set_host_policy(HOST, delay=60)
        await http.get(f"{server.url}/page")
        following = asyncio.create_task(http.get(f"{server.url}/page"))
        await asyncio.sleep(0.2)
        assert len(server.requests) == 1  # the second waits out the 60 s delay
        following.cancel()
        with pytest.raises(asyncio.CancelledError):
            await following

    run(scenario)


def test_small_delay_still_sends_every_request(server: LoopbackServer) -> None:
    server.route("/page", Reply(body=b"{}"))

    async def scenario(http: PoliteClient) -> None:
        http.set_host_policy(HOST, concurrency=3, delay=0.01)
        await asyncio.gather(*(http.get(f"{server.url}/page?n={n}") for n in range(3)))

    run(scenario)
    assert sorted(request.query for request in server.requests) == ["n=0", "n=1", "n=2"]


# --- secrets ------------------------------------------------------------------------------------

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
