"""Conditional GET: ETag and Last-Modified sent back, 304 returned as not modified."""

from __future__ import annotations

from sources.http import PoliteClient, Response
from tests.loopback import LoopbackServer, Reply
from tests.sources.http.support import get, header, run


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
