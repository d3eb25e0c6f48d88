"""Rate limits: Retry-After honoured (capped at seven days) and the host spared until then."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sources.errors import SourceRateLimitedError
from sources.http import PoliteClient, Response
from tests.loopback import LoopbackServer, Reply
from tests.sources.http.support import HOST, NOW, RETRY_AT, Clock, get, run


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
