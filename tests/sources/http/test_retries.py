"""Retries: server errors and refused connections retried a bounded number of times, POSTs never."""

from __future__ import annotations

import pytest

from sources.errors import SourceUnavailableError
from sources.http import PoliteClient, Response
from tests.loopback import LoopbackServer, Reply
from tests.sources.http.support import closed_port, get, run


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
