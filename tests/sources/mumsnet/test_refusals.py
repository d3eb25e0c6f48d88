"""Mumsnet refusing the monitor: consent, login and bot-check pages block; 429 and 403 back off."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.model import Health
from sources.errors import SourceBlockedError, SourceRateLimitedError
from sources.mumsnet.site import RefusedBlockedError, RefusedRateLimitedError
from tests.loopback import LoopbackServer, Reply
from tests.sources.mumsnet.support import (
    HTML,
    NEW_HEAD,
    NOW,
    SITE,
    html,
    page_requests,
    parse_fixture,
    poll,
    scan_at,
    scan_config,
    source_config,
)


@pytest.mark.parametrize("name", ["consent.html", "login.html", "challenge.html"])
def test_consent_login_and_bot_check_pages_are_blocked_not_threads(name: str) -> None:
    with pytest.raises(SourceBlockedError, match=r"consent, login or bot-check page") as raised:
        parse_fixture(name, NEW_HEAD)
    assert raised.value.health == Health.BLOCKED


def test_429_backs_off_half_an_hour_then_403_again_is_blocked(site: LoopbackServer) -> None:
    config = source_config(site, threads=[f"{SITE}{NEW_HEAD}"])
    site.route(NEW_HEAD, Reply(status=429, headers={"Retry-After": "60"}))
    with pytest.raises(RefusedRateLimitedError) as first:
        poll(config)
    assert first.value.retry_at == NOW + timedelta(minutes=30)  # not the 60 s it asked
    assert str(first.value) == (
        "127.0.0.1/talk/primary_education/5412345: HTTP 429; backing off until 2026-10-27T12:30:00Z"
    )
    cursor = first.value.cursor
    assert cursor is not None
    assert cursor["refusals"] == {"count": 1, "retry_at": "2026-10-27T12:30:00Z"}
    site.requests.clear()
    with pytest.raises(SourceRateLimitedError):
        poll(config, cursor, NOW + timedelta(minutes=10))
    assert site.requests == []  # nothing asked before the time
    site.route(NEW_HEAD, Reply(status=403))
    with pytest.raises(RefusedBlockedError, match=r"HTTP 403 again after backing off") as again:
        poll(config, cursor, NOW + timedelta(minutes=31))
    assert again.value.health == Health.BLOCKED
    assert again.value.cursor is not None and again.value.cursor["refusals"]["count"] == 2
    site.route(NEW_HEAD, html("thread_5412345_page1.html"))
    recovered = poll(config, again.value.cursor, NOW + timedelta(hours=2))
    assert recovered.cursor["refusals"] == {"count": 0, "retry_at": None}


def test_429_on_robots_txt_also_waits_half_an_hour(site: LoopbackServer) -> None:
    site.route("/robots.txt", Reply(status=429, headers={"Retry-After": "120"}))
    with pytest.raises(SourceRateLimitedError) as raised:
        poll(source_config(site, topics=["primary_education"]))
    assert raised.value.retry_at == NOW + timedelta(minutes=30)
    assert page_requests(site) == []


@pytest.mark.parametrize("name", ["consent.html", "challenge.html"])
def test_a_consent_or_challenge_instead_of_a_thread_blocks_the_source(
    site: LoopbackServer, name: str
) -> None:
    site.route(NEW_HEAD, html(name))
    with pytest.raises(SourceBlockedError, match=r"^127\.0\.0\.1/talk/primary_education/5412345:"):
        poll(source_config(site, threads=[f"{SITE}{NEW_HEAD}"]))


def test_a_redirect_to_a_login_page_blocks_the_source(site: LoopbackServer) -> None:
    site.route(NEW_HEAD, Reply(status=302, headers={"Location": "/login?return=/talk"}))
    site.route("/login", html("login.html"))
    with pytest.raises(SourceBlockedError, match=r"^127\.0\.0\.1/login: Mumsnet sent a consent"):
        poll(source_config(site, threads=[f"{SITE}{NEW_HEAD}"]))


def test_unreachable_robots_fetches_nothing_and_says_so(site: LoopbackServer) -> None:
    site.route("/robots.txt", Reply(status=503))
    with pytest.raises(SourceBlockedError, match=r"robots\.txt could not be fetched"):
        poll(source_config(site, topics=["primary_education"]))
    assert {request.path for request in site.requests} == {"/robots.txt"}


def test_through_the_scan_a_repeated_refusal_marks_the_source_blocked(
    site: LoopbackServer, tmp_path: Path
) -> None:
    """The refusal count lives in the cursor, which the scan keeps even though the poll failed."""
    config = scan_config(tmp_path, site, threads=[f"{SITE}{NEW_HEAD}"])
    site.route(NEW_HEAD, Reply(status=429))
    first = scan_at(config, NOW)
    assert (first.status, first.health) == ("rate_limited", "failing")
    # Not asked again inside the half hour: the scan itself holds back.
    site.requests.clear()
    assert scan_at(config, NOW + timedelta(minutes=10)).status == "rate_limited"
    assert page_requests(site) == []
    site.route(NEW_HEAD, Reply(status=403))
    again = scan_at(config, NOW + timedelta(minutes=31))
    assert (again.status, again.health) == ("failed", "blocked")


@pytest.mark.parametrize("name", ["challenge.html", "consent.html", "login.html"])
def test_through_the_scan_a_403_with_a_challenge_page_is_blocked_at_once(
    site: LoopbackServer, tmp_path: Path, name: str
) -> None:
    config = scan_config(tmp_path, site, threads=[f"{SITE}{NEW_HEAD}"])
    site.route(NEW_HEAD, html(name, status=403))
    first = scan_at(config, NOW)
    assert (first.status, first.health) == ("failed", "blocked")
    assert first.outcome.error == (
        "127.0.0.1/talk/primary_education/5412345: HTTP 403 with a consent, login or bot-check "
        "page; Mumsnet is refusing the monitor"
    )
    # Still not asked again for half an hour, and still blocked meanwhile.
    site.requests.clear()
    later = scan_at(config, NOW + timedelta(minutes=10))
    assert (later.status, later.health) == ("rate_limited", "blocked")
    assert page_requests(site) == []


@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=403),
        Reply(
            status=403,
            body=b"<html><head><title>403 Forbidden</title></head><body><center>"
            b"<h1>403 Forbidden</h1></center><hr><center>nginx</center></body></html>",
            headers={"Content-Type": HTML},
        ),
        # A 429 asks us to slow down whatever its page says (Cloudflare's rate-limit page
        # looks like its challenge pages).
        Reply.fixture("mumsnet/challenge.html", HTML, status=429),
    ],
    ids=["403-empty", "403-plain-page", "429-challenge-page"],
)
def test_through_the_scan_a_bare_refusal_backs_off_first(
    site: LoopbackServer, tmp_path: Path, reply: Reply
) -> None:
    config = scan_config(tmp_path, site, threads=[f"{SITE}{NEW_HEAD}"])
    site.route(NEW_HEAD, reply)
    first = scan_at(config, NOW)
    assert (first.status, first.health) == ("rate_limited", "failing")
    assert first.outcome.retry_at == NOW + timedelta(minutes=30)
