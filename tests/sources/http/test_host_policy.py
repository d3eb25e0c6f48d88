"""Manners per host: a concurrency limit and a delay between request starts."""

from __future__ import annotations

import asyncio
import threading

import pytest

from sources.http import PoliteClient
from tests.loopback import LoopbackServer, Reply
from tests.sources.http.support import HOST, run


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
