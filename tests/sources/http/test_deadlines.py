"""Deadlines: a response must be complete within the timeout, however slowly it trickles."""

from __future__ import annotations

import pytest

from sources.errors import SourceUnavailableError
from tests.loopback import LoopbackServer, Reply
from tests.sources.http.support import get, run


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
