"""What the client sends: query parameters, a JSON or form body, and only to http(s) URLs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sources.errors import SourceUnavailableError
from tests.loopback import LoopbackServer, Reply
from tests.sources.http.support import get, header, run


def test_params_are_added_to_the_query(server: LoopbackServer) -> None:
    server.route("/api", Reply(body=b"{}"))
    run(get(f"{server.url}/api?format=json", params={"action": "query", "limit": 50}))
    assert server.requests[0].query == "format=json&action=query&limit=50"


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


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/file", "http://", "not a url"])
def test_only_http_urls_are_fetched(url: str) -> None:
    with pytest.raises(SourceUnavailableError):
        run(get(url))
