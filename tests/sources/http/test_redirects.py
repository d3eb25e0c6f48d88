"""Redirects: http(s) only, at most five; credentials and bodies never leave their origin."""

from __future__ import annotations

from typing import Any

import pytest

from sources.errors import SourceUnavailableError
from sources.http import user_agent
from tests.loopback import LoopbackServer, Reply
from tests.sources.http.support import CONTACT, get, header, run


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
