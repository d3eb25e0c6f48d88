"""The shared client's test harness: a fresh client on a fresh loop, a clock the test moves."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sources.http import PoliteClient, Response
from tests.loopback import Request

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


ROBOTS = """\
User-agent: *
Disallow: /search
Disallow: /private/

User-agent: reputation-monitor
Disallow: /members/
"""
