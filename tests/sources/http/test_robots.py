"""robots.txt: read as RFC 9309 says (Protego), fetched once a day per origin when asked, failing
closed; through the shared client over real HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from sources.errors import SourceBlockedError
from sources.http import PoliteClient, user_agent
from tests.loopback import FIXTURES, LoopbackServer, Reply
from tests.sources.http.support import CONTACT, ROBOTS, Clock, get, header, run

NOW = datetime(2026, 11, 25, 9, 58, tzinfo=UTC)
MUMSNET_ROBOTS = (FIXTURES / "mumsnet" / "robots.txt").read_bytes()


def fetch_all(server: LoopbackServer, paths: Sequence[str]) -> dict[str, str]:
    """GET each path with robots=True: "allowed" or the SourceBlockedError message."""
    for path in paths:
        server.route(path.split("?")[0], Reply(body=b"<html></html>"))

    async def main() -> dict[str, str]:
        outcomes: dict[str, str] = {}
        async with PoliteClient(contact="t@example.org", retries=0, clock=lambda: NOW) as http:
            for path in paths:
                try:
                    await http.get(server.url + path, robots=True)
                    outcomes[path] = "allowed"
                except SourceBlockedError as error:
                    outcomes[path] = str(error)
        return outcomes

    return asyncio.run(main())


def serve_robots(server: LoopbackServer, body: bytes | str) -> None:
    server.route("/robots.txt", Reply(body=body, headers={"Content-Type": "text/plain"}))


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/search?query=calcot", False),  # `*` is a wildcard, not a literal star
        ("/search?query=", False),
        ("/search", True),  # the rule names the query; the bare page is not covered
        ("/api/v1/forums/threads/search?keywords=calcot", False),
        ("/talk/staffroom_private/5412345-pay", False),  # `*` inside the path
        ("/talk/primary_education/5412345-calcot-new-head", True),
        ("/talk/primary_education?pg=2", True),
        ("/account/settings", False),
    ],
)
def test_mumsnet_rules_are_read_with_wildcards(
    server: LoopbackServer, path: str, allowed: bool
) -> None:
    serve_robots(server, MUMSNET_ROBOTS)
    outcome = fetch_all(server, [path])[path]
    if allowed:
        assert outcome == "allowed"
        assert [request.target for request in server.requests] == ["/robots.txt", path]
    else:
        assert outcome == f"127.0.0.1{path.split('?')[0]}: disallowed by robots.txt"
        assert [request.target for request in server.requests] == ["/robots.txt"]


def test_longest_match_wins_and_allow_wins_a_tie(server: LoopbackServer) -> None:
    serve_robots(
        server,
        "User-agent: *\n"
        "Disallow: /talk/\n"
        "Allow: /talk/primary_education/\n"  # longer than the Disallow: wins
        "Disallow: /threads/\n"
        "Allow: /threads/\n"  # the same length: Allow wins the tie
        "Disallow: /*.pdf$\n",  # `$` anchors the end
    )
    outcomes = fetch_all(
        server,
        [
            "/talk/primary_education/1-a",
            "/talk/_chat/2-b",
            "/threads/3",
            "/files/letter.pdf",
            "/files/letter.pdf?download=1",
        ],
    )
    assert outcomes == {
        "/talk/primary_education/1-a": "allowed",
        "/talk/_chat/2-b": "127.0.0.1/talk/_chat/2-b: disallowed by robots.txt",
        "/threads/3": "allowed",
        "/files/letter.pdf": "127.0.0.1/files/letter.pdf: disallowed by robots.txt",
        "/files/letter.pdf?download=1": "allowed",
    }


def test_our_own_group_is_chosen_over_the_star_group(server: LoopbackServer) -> None:
    serve_robots(
        server,
        "User-agent: *\nDisallow: /\n\n"
        "User-agent: reputation-monitor\nAllow: /talk/\nDisallow: /\n",
    )
    outcomes = fetch_all(server, ["/talk/x/1", "/other"])
    assert outcomes["/talk/x/1"] == "allowed"
    assert outcomes["/other"] == "127.0.0.1/other: disallowed by robots.txt"


@pytest.mark.parametrize("status", [500, 503])
def test_unreachable_robots_fails_closed_and_says_so(server: LoopbackServer, status: int) -> None:
    server.route("/robots.txt", Reply(status=status))
    outcomes = fetch_all(server, ["/talk/primary_education/1-a"])
    assert outcomes == {
        "/talk/primary_education/1-a": "127.0.0.1/talk/primary_education/1-a: disallowed by "
        "robots.txt (robots.txt could not be fetched)"
    }
    assert {request.path for request in server.requests} == {"/robots.txt"}


def test_robots_that_cannot_be_reached_at_all_fails_closed() -> None:
    closed = LoopbackServer().start()
    url = closed.url
    closed.stop()  # nothing listens on the port any more

    async def main() -> str:
        async with PoliteClient(contact="t@example.org", retries=0, clock=lambda: NOW) as http:
            with pytest.raises(SourceBlockedError) as raised:
                await http.get(url + "/talk/x/1", robots=True)
            return str(raised.value)

    assert asyncio.run(main()).endswith("(robots.txt could not be fetched)")


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
