"""Who we say we are: the User-Agent on every request, with a contact on one line."""

from __future__ import annotations

import httpx

import monitor
from sources.http import user_agent
from tests.loopback import LoopbackServer, Reply
from tests.sources.http.support import CONTACT, get, header, run


def test_user_agent_has_product_version_contact_and_library() -> None:
    assert user_agent(CONTACT) == (
        f"reputation-monitor/{monitor.__version__} (it@calcot.example) httpx/{httpx.__version__}"
    )


def test_user_agent_keeps_a_contact_on_one_line() -> None:
    assert "\n" not in user_agent("it@calcot.example\r\nX-Injected: 1")


def test_every_request_carries_the_user_agent_even_if_the_caller_sets_another(
    server: LoopbackServer,
) -> None:
    server.route("/a", Reply(body=b"ok"))
    run(get(f"{server.url}/a", headers={"User-Agent": "curl/8"}))
    assert header(server.requests[0], "User-Agent") == user_agent(CONTACT)
