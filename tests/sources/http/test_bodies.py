"""Bodies: gzip decoded, the byte cap counted in decoded bytes, bombs and cut-off bodies refused."""

from __future__ import annotations

import gzip
import tracemalloc

import pytest

from sources.errors import SourceUnavailableError
from sources.http import PoliteClient, Response
from tests.loopback import LoopbackServer, Reply
from tests.sources.http.support import get, header, run


def test_gzip_body_is_decoded(server: LoopbackServer) -> None:
    server.route(
        "/api", Reply(body=gzip.compress(b'{"ok": true}'), headers={"Content-Encoding": "gzip"})
    )
    assert run(get(f"{server.url}/api")).json() == {"ok": True}
    assert "gzip" in (header(server.requests[0], "Accept-Encoding") or "")


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
