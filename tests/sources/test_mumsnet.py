"""The mumsnet source against a real loopback server serving pages shaped as sources.md 3 says.

Fixtures in tests/fixtures/mumsnet/: a topic listing (matching and non-matching titles), a thread
over three pages whose opening post repeats (then a fourth page) and whose pagination links are
relative (`?page=2`) as Mumsnet serves them, quoted replies, times around
the end of BST on 25 October 2026, a deleted post, consent/login/bot-check pages, changed
markup, Mumsnet-style robots.txt and a Google Alert whose links are Google redirects.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from protego import Protego

from monitor.cli import main
from monitor.config.settings import Config, load
from monitor.model import FetchResult, Health, Item, Mention, SourceState
from monitor.scan.report import SourceOutcome
from monitor.scan.scanner import Scanner
from sources.common.words import WordMatcher
from sources.errors import (
    SourceBlockedError,
    SourceError,
    SourceFormatError,
    SourceRateLimitedError,
)
from sources.http import PoliteClient
from sources.mumsnet import MumsnetConfig, fetch
from sources.mumsnet.discovery import school_matcher
from sources.mumsnet.parse import parse_thread_page, parse_topic_page
from sources.mumsnet.site import RefusedBlockedError, RefusedRateLimitedError
from sources.mumsnet.times import parse_posted
from sources.mumsnet.urls import ThreadRef, thread_ref
from storage import mentions, source_state
from storage.database import Store
from tests.commands import monitor, statuses, stored_ids
from tests.configs import write_config
from tests.loopback import FIXTURES, LoopbackServer, Reply

NOW = datetime(2026, 10, 27, 12, 0, tzinfo=UTC)  # Tuesday; BST ended on Sunday 25 October
ALIASES = ("Calcot Schools", "Calcot Infant School", "Calcot Junior School")
SITE = "https://www.mumsnet.com"
HTML = "text/html; charset=utf-8"
TOPIC = "/talk/primary_education"
NEW_HEAD = "/talk/primary_education/5412345"  # the three-page thread
SATS = "/talk/primary_education/5412999"
ADMISSIONS = "/talk/primary_education/5400001"
AIBU = "/talk/am_i_being_unreasonable/5413111"
PRIVATE = "/talk/staffroom_private/5413000"
FEED = "/alerts/feeds/17849810695950872924/15842463258895766468"


def html(name: str, **options: Any) -> Reply:
    return Reply.fixture(f"mumsnet/{name}", HTML, **options)


def source_config(server: LoopbackServer, **keys: Any) -> MumsnetConfig:
    """A mumsnet source on the loopback server, with no delay between requests."""
    settings: dict[str, Any] = {"type": "mumsnet", "base_url": server.url, "request_delay": "0s"}
    return MumsnetConfig.model_validate(settings | keys, context={"aliases": ALIASES})


def poll(
    config: MumsnetConfig, cursor: Mapping[str, Any] | None = None, now: datetime = NOW
) -> FetchResult:
    """One fetch with a fresh client whose clock says `now`."""

    async def main() -> FetchResult:
        async with PoliteClient(contact="t@example.org", retries=0, clock=lambda: now) as http:
            return await fetch(http, config, SourceState("mumsnet", cursor=cursor or {}))

    return asyncio.run(main())


def route_site(server: LoopbackServer) -> None:
    """robots.txt, the topic listing, every thread and the Google Alert."""
    server.route("/robots.txt", Reply.fixture("mumsnet/robots.txt", "text/plain"))
    server.route(TOPIC, html("topic_primary_education.html"))
    server.route(f"{TOPIC}?pg=2", html("topic_primary_education_pg2.html"))
    server.route(NEW_HEAD, html("thread_5412345_page1.html"))
    server.route(f"{NEW_HEAD}?page=2", html("thread_5412345_page2.html"))
    server.route(f"{NEW_HEAD}?page=3", html("thread_5412345_page3.html"))
    server.route(SATS, html("thread_5412999.html"))
    server.route(ADMISSIONS, html("thread_5400001.html"))
    server.route(AIBU, html("thread_5413111.html"))
    server.route(PRIVATE, html("thread_5413111.html"))  # served if asked: it must never be
    server.route(FEED, Reply.fixture("mumsnet/google_alert.xml", "application/atom+xml"))


@pytest.fixture
def site(server: LoopbackServer) -> Iterator[LoopbackServer]:
    route_site(server)
    yield server


def page_requests(server: LoopbackServer) -> list[str]:
    """The Mumsnet pages requested, in order (robots.txt and the feed left out)."""
    return [request.target for request in server.requests if request.path.startswith("/talk")]


def by_id(items: list[Item]) -> dict[str, Item]:
    found = {item.external_id: item for item in items}
    assert len(found) == len(items), "an item was returned twice"
    return found


# --- names, times, URLs (pure) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("Calcot Infants - new head??", True),
        ("Calcot Juniors’ SATs results", True),
        ("calcot infant's nativity", True),
        ("CALCOT JUNIOR SCHOOL uniform", True),
        ("the Calcot Schools federation", True),
        ("Moving to Calcot area - which schools?", False),
        ("Calcott Hall farm trip", False),
        ("Calcot Infantry museum", False),
    ],
)
def test_school_names_match_as_parents_write_them(text: str, matches: bool) -> None:
    assert school_matcher(ALIASES).matches(text) is matches


def test_plain_word_matching_is_unchanged_without_inflection() -> None:
    assert not WordMatcher(["Calcot Infant"]).matches("Calcot Infants")
    assert WordMatcher(["Calcot Infant"], inflected=True).matches("Calcot Infants")
    assert WordMatcher(["St Example's"], inflected=True).find("st examples gate") == ["st examples"]


@pytest.mark.parametrize(
    ("label", "now", "expected"),
    [
        ("Today 09:00", NOW, "2026-10-27T09:00"),  # GMT: London = UTC
        ("Yesterday 18:20", NOW, "2026-10-26T18:20"),
        ("24/10/2026 21:14", NOW, "2026-10-24T20:14"),  # BST: an hour ahead of UTC
        ("25/10/2026 00:30", NOW, "2026-10-24T23:30"),  # still BST
        ("25/10/2026 01:30", NOW, "2026-10-25T00:30"),  # the repeated hour: its first (BST) time
        ("25/10/2026 09:05", NOW, "2026-10-25T09:05"),  # GMT again
        # 00:30 on 1 June in London is 23:30 on 31 May in UTC: "Today" is London's day.
        ("Today 00:10", datetime(2026, 5, 31, 23, 30, tzinfo=UTC), "2026-05-31T23:10"),
        ("Yesterday 23:50", datetime(2026, 5, 31, 23, 30, tzinfo=UTC), "2026-05-31T22:50"),
        ("Today at 7:05", datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "2026-07-01T06:05"),
    ],
)
def test_uk_local_times_become_utc(label: str, now: datetime, expected: str) -> None:
    posted = parse_posted(label, now)
    assert posted is not None
    assert posted.strftime("%Y-%m-%dT%H:%M") == expected and posted.tzinfo == UTC


@pytest.mark.parametrize("label", ["31/02/2026 10:00", "Today 24:10", "last week"])
def test_unreadable_times_are_none(label: str) -> None:
    assert parse_posted(label, NOW) is None


@pytest.mark.parametrize(
    "url",
    [
        f"{SITE}/talk/primary_education/5412345-Calcot-Infants-new-head",
        f"{SITE}/Talk/primary_education/5412345-Calcot-Infants-new-head?page=3#post-134000020",
        "https://mumsnet.com/talk/primary_education/5412345",
        f"{SITE}/talk/Primary_Education/5412345/?pg=2",
    ],
)
def test_every_form_of_a_thread_url_is_one_thread(url: str) -> None:
    assert thread_ref(url, SITE) == ThreadRef(5412345, "primary_education")


@pytest.mark.parametrize(
    "url",
    [
        f"{SITE}/search?query=calcot",
        f"{SITE}/talk/primary_education",
        "https://www.mumsnet.com.evil.example/talk/primary_education/5412345",
        "https://www.readingchronicle.co.uk/talk/primary_education/5412345",
        "javascript:alert(1)",
    ],
)
def test_other_links_are_not_threads(url: str) -> None:
    assert thread_ref(url, SITE) is None


# --- parsing pages ------------------------------------------------------------------------------


def parse_fixture(name: str, url: str, thread_id: int = 5412345) -> Any:
    return parse_thread_page(
        (FIXTURES / "mumsnet" / name).read_text("utf-8"),
        thread=ThreadRef(thread_id, "primary_education"),
        url=SITE + url,
        base_url=SITE,
        now=NOW,
    )


def test_a_thread_page_gives_authors_times_and_text_without_quotes() -> None:
    page = parse_fixture("thread_5412345_page1.html", NEW_HEAD)
    assert (page.title, page.page, page.last_page, page.removed) == (
        "Calcot Infants - new head??",
        1,
        3,
        1,  # "Message deleted by MNHQ" is skipped
    )
    posts = {post.key: post for post in page.posts}
    assert list(posts) == ["134000001", "134000002", "134000003", "134000005"]
    opening = posts["134000001"]
    assert opening.author == "Mumof3Calcot"
    assert opening.posted_at == datetime(2026, 10, 24, 20, 14, tzinfo=UTC)
    # Links as text: the words shown, not the markup or the address.
    assert "It’s here on the school site if you missed it." in opening.text
    assert "<a" not in opening.text and "calcot-inf.example" not in opening.text
    # A quoted earlier post is someone else's words: gone from the reply.
    assert posts["134000003"].text == "We were told it's an interim from the trust until Easter."


def test_a_post_without_an_id_gets_a_stable_content_key() -> None:
    first = parse_fixture("thread_5412345_page3.html", f"{NEW_HEAD}?page=3")
    again = parse_fixture("thread_5412345_page3_more.html", f"{NEW_HEAD}?page=3")
    unnamed = [post for post in first.posts if post.author == "Newtoberkshire"]
    assert len(unnamed) == 1 and unnamed[0].key.startswith("sha256:")
    assert unnamed[0].key in {post.key for post in again.posts}


def test_the_older_text_layout_is_read_too() -> None:
    page = parse_fixture("thread_5400001.html", ADMISSIONS, 5400001)
    assert [(post.author, post.posted_at.isoformat()) for post in page.posts] == [
        ("Newtoberkshire", "2026-10-20T09:00:00+00:00"),
        ("Yr6parent", "2026-10-21T07:30:00+00:00"),
        ("ReadingDad", "2026-10-21T08:10:00+00:00"),
    ]
    assert page.posts[1].text == "Calcot Infant’s catchment is tiny these days, be warned."


@pytest.mark.parametrize(
    ("href", "last"),
    [
        ("?page=7", 7),  # as Mumsnet serves its pagination: relative to the page itself
        ("5412345-Calcot-Infants-new-head?page=7", 7),
        ("../primary_education/5412345?page=7", 7),
        ("/talk/primary_education/5412345?page=7", 7),
        ("https://www.mumsnet.com/talk/primary_education/5412345?page=7", 7),
        ("5412999-Calcot-Juniors-SATs-results?page=9", 2),  # another thread's page: not ours
        ("https://www.mumsnet.com.evil.example/talk/primary_education/5412345?page=9", 2),
        ("https://[::1/talk/primary_education/5412345?page=9", 2),  # malformed: leads nowhere
    ],
)
def test_pagination_links_are_read_against_the_page_they_are_on(href: str, last: int) -> None:
    page = (FIXTURES / "mumsnet" / "thread_5412345_page1.html").read_text("utf-8")
    assert page.count('href="?page=3"') == 2
    page = page.replace('href="?page=3"', f'href="{href}"')
    # The URL after a redirect to the slugged form: relative links resolve against it.
    url = f"{SITE}{NEW_HEAD}-Calcot-Infants-new-head?page=1"
    parsed = parse_thread_page(
        page, thread=ThreadRef(5412345, "primary_education"), url=url, base_url=SITE, now=NOW
    )
    assert (parsed.page, parsed.last_page) == (1, last)


def test_a_topic_page_lists_its_threads_and_titles() -> None:
    listed = parse_topic_page(
        (FIXTURES / "mumsnet" / "topic_primary_education.html").read_text("utf-8"),
        url=SITE + TOPIC,
        base_url=SITE,
    )
    matcher = school_matcher(ALIASES)
    assert len(listed) == 6
    assert [entry.thread.thread_id for entry in listed if matcher.matches(entry.title)] == [
        5412999,
        5412345,
    ]


@pytest.mark.parametrize("name", ["consent.html", "login.html", "challenge.html"])
def test_consent_login_and_bot_check_pages_are_blocked_not_threads(name: str) -> None:
    with pytest.raises(SourceBlockedError, match=r"consent, login or bot-check page") as raised:
        parse_fixture(name, NEW_HEAD)
    assert raised.value.health == Health.BLOCKED


def test_changed_markup_is_loud_and_names_the_page() -> None:
    with pytest.raises(SourceFormatError) as raised:
        parse_fixture("changed_markup.html", NEW_HEAD)
    assert str(raised.value) == (
        "www.mumsnet.com/talk/primary_education/5412345: no posts found on a thread page "
        "(the page layout may have changed)"
    )
    assert raised.value.health == Health.PARSER_BROKEN


def test_posts_whose_times_cannot_be_read_are_loud_not_empty() -> None:
    page = (FIXTURES / "mumsnet" / "thread_5412999.html").read_text("utf-8")
    changed = page.replace("Yesterday 20:05", "2 hours ago").replace("Today 07:40", "just now")
    assert changed != page
    with pytest.raises(SourceFormatError, match=r"no post's author and time could be read"):
        parse_thread_page(
            changed,
            thread=ThreadRef(5412999, "primary_education"),
            url=SITE + SATS,
            base_url=SITE,
            now=NOW,
        )
    # One odd post among readable ones is skipped; the rest are kept.
    partly = page.replace("Today 07:40", "just now")
    read = parse_thread_page(
        partly,
        thread=ThreadRef(5412999, "primary_education"),
        url=SITE + SATS,
        base_url=SITE,
        now=NOW,
    )
    assert [post.author for post in read.posts] == ["Yr6parent"]


# --- polling ------------------------------------------------------------------------------------


def test_topic_listing_finds_matching_threads_and_reads_them(site: LoopbackServer) -> None:
    result = poll(source_config(site, topics=["primary_education"]))
    items = by_id(result.items)
    threads = {key for key, item in items.items() if item.item_type == "thread"}
    assert threads == {"thread:5412345", "thread:5412999"}
    assert page_requests(site) == [
        TOPIC,
        SATS,  # newer threads first
        NEW_HEAD,
        f"{NEW_HEAD}?page=2",
        f"{NEW_HEAD}?page=3",
    ]
    head = items["thread:5412345"]
    assert head.title == "Calcot Infants - new head??"
    assert head.text.startswith("Has anyone heard who the new head at Calcot Infants")
    assert head.url == f"{site.url}{NEW_HEAD}"
    assert head.extra["topic"] == "primary_education" and head.extra["found_by"] == ["topic"]
    assert head.published_at == datetime(2026, 10, 24, 20, 14, tzinfo=UTC)


def test_the_opening_post_is_kept_once_and_every_post_once(site: LoopbackServer) -> None:
    result = poll(source_config(site, threads=[f"{SITE}{NEW_HEAD}-Calcot-Infants-new-head"]))
    posts = [item for item in result.items if item.item_type == "post"]
    # The title names the school: every new post is a mention, the opening post only as the
    # thread, however many pages repeat it; the deleted post never.
    assert [item.external_id.split(":", 2)[2][:9] for item in posts] == [
        "134000002",
        "134000003",
        "134000005",
        "134000010",
        "134000011",
        "134000020",
        "sha256:7e",
    ]
    assert {item.parent_external_id for item in posts} == {"thread:5412345"}
    assert [item.extra["page"] for item in posts] == [1, 1, 1, 2, 2, 3, 3]
    assert posts[3].url == f"{site.url}{NEW_HEAD}?page=2"
    assert posts[4].text == "Different trust though."  # the quote of post 134000010 removed
    assert sum("Has anyone heard" in item.text for item in result.items) == 1


def test_in_a_thread_whose_title_does_not_name_the_school_only_naming_posts_count(
    site: LoopbackServer,
) -> None:
    result = poll(source_config(site, threads=[f"{SITE}/Talk/primary_education/5400001?page=2"]))
    assert [(item.item_type, item.external_id) for item in result.items] == [
        ("thread", "thread:5400001"),
        ("post", "post:5400001:134200002"),
    ]
    assert page_requests(site) == [ADMISSIONS]


def test_feed_and_topic_find_one_thread_once_and_disallowed_links_are_never_fetched(
    site: LoopbackServer,
) -> None:
    config = source_config(site, topics=["primary_education"], discovery_feeds=[site.url + FEED])
    result = poll(config)
    items = by_id(result.items)
    assert {key for key, item in items.items() if item.item_type == "thread"} == {
        "thread:5412345",
        "thread:5412999",
        "thread:5413111",
    }
    assert items["thread:5412345"].extra["found_by"] == ["feed", "topic"]
    assert items["thread:5413111"].extra["found_by"] == ["feed"]
    requested = page_requests(site)
    assert requested.count(NEW_HEAD) == 1  # the feed linked to page 2: still one thread
    assert PRIVATE not in requested  # robots.txt: Disallow: /talk/*_private/
    assert not [request for request in site.requests if request.path == "/search"]
    assert result.cursor["threads"]["5413000"]["disallowed"] is True


def test_repoll_reads_only_the_last_page_onward_and_adds_only_new_posts(
    site: LoopbackServer,
) -> None:
    config = source_config(site, threads=[f"{SITE}{NEW_HEAD}"])
    first = poll(config)
    assert first.cursor["threads"]["5412345"]["next_page"] == 3
    site.requests.clear()
    site.route(f"{NEW_HEAD}?page=3", html("thread_5412345_page3_more.html"))
    site.route(f"{NEW_HEAD}?page=4", html("thread_5412345_page4.html"))
    second = poll(config, first.cursor, NOW + timedelta(minutes=30))
    assert page_requests(site) == [f"{NEW_HEAD}?page=3", f"{NEW_HEAD}?page=4"]
    assert [item.external_id for item in second.items] == [
        "post:5412345:134000022",
        "post:5412345:134000030",
    ]
    site.requests.clear()
    third = poll(config, second.cursor, NOW + timedelta(minutes=60))
    assert page_requests(site) == [f"{NEW_HEAD}?page=4"]
    assert third.items == []


def test_a_page_past_the_end_redirects_and_ends_the_reading(site: LoopbackServer) -> None:
    config = source_config(site, threads=[f"{SITE}{NEW_HEAD}"])
    first = poll(config)
    cursor = json.loads(json.dumps(first.cursor))
    cursor["threads"]["5412345"]["next_page"] = 4  # posts were deleted: only 3 pages now
    cursor["threads"]["5412345"]["seen_keys"] = []
    site.route(f"{NEW_HEAD}?page=4", Reply(status=302, headers={"Location": f"{NEW_HEAD}?page=3"}))
    site.requests.clear()
    second = poll(config, cursor, NOW + timedelta(minutes=30))
    assert page_requests(site) == [f"{NEW_HEAD}?page=4", f"{NEW_HEAD}?page=3"]
    assert second.cursor["threads"]["5412345"]["next_page"] == 3
    assert {item.external_id for item in second.items} == {
        "post:5412345:134000020",
        next(key for key in (i.external_id for i in first.items) if "sha256" in key),
    }


def test_the_page_budget_leaves_the_rest_for_the_next_poll(site: LoopbackServer) -> None:
    config = source_config(site, topics=["primary_education"], max_pages_per_poll=3)
    first = poll(config)
    assert page_requests(site) == [TOPIC, SATS, NEW_HEAD]
    assert first.cursor["deferred"] == [5412345]
    assert first.cursor["threads"]["5412345"]["next_page"] == 2
    site.requests.clear()
    second = poll(config, first.cursor, NOW + timedelta(minutes=30))
    # The listing again, then the thread left over, from where it stopped.
    assert page_requests(site) == [TOPIC, f"{NEW_HEAD}?page=2", f"{NEW_HEAD}?page=3"]
    assert second.cursor["deferred"] == [5412999]  # followed, but no pages left for it
    ids = {item.external_id for item in first.items + second.items}
    assert "thread:5412345" in ids and "post:5412345:134000020" in ids


def test_more_topic_pages_when_asked(site: LoopbackServer) -> None:
    site.route("/talk/primary_education/5390000", html("thread_5412999.html"))
    result = poll(source_config(site, topics=["primary_education"], pages_per_topic=2))
    assert page_requests(site)[:2] == [TOPIC, f"{TOPIC}?pg=2"]
    assert "5390000" in result.cursor["threads"]  # "calcot infant school nativity tickets"


def test_quiet_threads_are_no_longer_read_after_follow_days(site: LoopbackServer) -> None:
    config = source_config(site, threads=[f"{SITE}{NEW_HEAD}"], follow_days=2)
    first = poll(config)
    later = NOW + timedelta(days=3)
    site.requests.clear()
    # Still configured, so still read; a thread only discovered would not be.
    poll(config, first.cursor, later)
    assert page_requests(site) == [f"{NEW_HEAD}?page=3"]
    config = source_config(site, topics=["_chat"], follow_days=2)
    site.route("/talk/_chat", html("topic_primary_education_pg2.html"))
    site.requests.clear()
    poll(config, first.cursor, later)
    assert page_requests(site) == ["/talk/_chat", "/talk/primary_education/5390000"]


def test_a_deleted_thread_is_dropped_and_the_others_still_read(site: LoopbackServer) -> None:
    site.route(SATS, Reply(status=404, body=b"<html><title>Not found</title></html>"))
    config = source_config(site, topics=["primary_education"])
    first = poll(config)
    assert first.cursor["threads"]["5412999"]["gone"] is True
    assert "thread:5412345" in {item.external_id for item in first.items}
    site.requests.clear()
    poll(config, first.cursor, NOW + timedelta(minutes=30))
    assert SATS not in page_requests(site)


def test_a_topic_that_does_not_exist_is_an_error(site: LoopbackServer) -> None:
    with pytest.raises(SourceError, match=r"/talk/primary_educaton: HTTP 404; is the topic"):
        poll(source_config(site, topics=["primary_educaton"]))


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
    assert cursor["refusals"] == {"count": 1, "retry_at": "2026-10-27T12:30:00Z"}
    site.requests.clear()
    with pytest.raises(SourceRateLimitedError):
        poll(config, cursor, NOW + timedelta(minutes=10))
    assert site.requests == []  # nothing asked before the time
    site.route(NEW_HEAD, Reply(status=403))
    with pytest.raises(RefusedBlockedError, match=r"HTTP 403 again after backing off") as again:
        poll(config, cursor, NOW + timedelta(minutes=31))
    assert again.value.health == Health.BLOCKED
    assert again.value.cursor["refusals"]["count"] == 2
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


def test_changed_markup_on_a_topic_page_is_a_format_error(site: LoopbackServer) -> None:
    site.route(TOPIC, html("changed_markup.html"))
    with pytest.raises(SourceFormatError, match=r"/talk/primary_education: no threads found"):
        poll(source_config(site, topics=["primary_education"]))


def test_unreachable_robots_fetches_nothing_and_says_so(site: LoopbackServer) -> None:
    site.route("/robots.txt", Reply(status=503))
    with pytest.raises(SourceBlockedError, match=r"robots\.txt could not be fetched"):
        poll(source_config(site, topics=["primary_education"]))
    assert {request.path for request in site.requests} == {"/robots.txt"}


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"threads": ["https://www.mumsnet.com/search?query=calcot"]}, "not a Mumsnet thread"),
        ({"topics": ["Primary Education!"]}, "not a topic slug"),
        ({}, "give at least one of threads, topics or discovery_feeds"),
        ({"topics": ["_chat"], "max_pages_per_poll": 0}, "greater than or equal to 1"),
    ],
)
def test_config_problems_are_refused(keys: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MumsnetConfig.model_validate({"type": "mumsnet", **keys})


def test_a_secret_discovery_feed_is_read_and_never_named(
    site: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MUMSNET_ALERT_FEED", site.url + FEED)
    config = source_config(site, discovery_feed_env="MUMSNET_ALERT_FEED")
    result = poll(config)
    assert "thread:5413111" in {item.external_id for item in result.items}
    site.route(FEED, Reply(status=500))
    with pytest.raises(SourceError) as raised:
        poll(config)
    assert str(raised.value).startswith("127.0.0.1 discovery feed 1: HTTP 500")
    assert "alerts" not in str(raised.value) and FEED not in str(raised.value)


def test_defaults_are_polite() -> None:
    config = MumsnetConfig.model_validate({"type": "mumsnet", "topics": ["primary_education"]})
    assert config.base_url == SITE and config.request_delay == timedelta(seconds=10)
    assert (config.follow_days, config.pages_per_topic, config.max_pages_per_poll) == (30, 1, 20)


# --- end to end: `monitor scan` -----------------------------------------------------------------


def test_monitor_scan_finds_threads_by_every_route_and_stores_each_post_once(
    site: LoopbackServer, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[school]
name = "Calcot Schools"
aliases = ["Calcot Infant School", "Calcot Junior School"]
[storage]
url = "sqlite:///{tmp_path / "monitor.db"}"
[http]
contact = "it@calcot.example"
[sources.mumsnet]
type = "mumsnet"
base_url = "{site.url}"
threads = ["https://www.mumsnet.com/talk/primary_education/5400001-Infant-school-admissions"]
topics = ["primary_education"]
discovery_feeds = ["{site.url}{FEED}"]
request_delay = "0s"
follow_days = 3650
""",
        encoding="utf-8",
    )
    runner = CliRunner()

    def monitor(*arguments: str) -> str:
        result = runner.invoke(main, ["--config", str(config), *arguments])
        assert result.exit_code == 0, result.output
        return result.output

    monitor("scan")
    site.route(f"{NEW_HEAD}?page=3", html("thread_5412345_page3_more.html"))
    site.route(f"{NEW_HEAD}?page=4", html("thread_5412345_page4.html"))
    monitor("scan")
    after_two = json.loads(monitor("mentions", "--format", "json"))
    monitor("scan")
    mentions = json.loads(monitor("mentions", "--format", "json"))
    assert len(mentions) == len(after_two)  # a third scan finds nothing new and repeats nothing
    keys = [mention["external_id"] for mention in mentions]
    assert len(keys) == len(set(keys))
    threads = {m["external_id"] for m in mentions if m["item_type"] == "thread"}
    assert threads == {
        "thread:5400001",  # configured
        "thread:5412345",  # topic listing and the feed
        "thread:5412999",  # topic listing
        "thread:5413111",  # the feed only
    }
    posts = [m for m in mentions if m["item_type"] == "post"]
    assert len(posts) == 7 + 2 + 1 + 1 + 2  # new head (3 pages + 2 later), admissions, SATs, AIBU
    assert {m["parent_external_id"] for m in posts} == threads
    assert {m["type"] for m in mentions} == {"mumsnet"}
    assert sum("Has anyone heard who the new head" in m["text"] for m in mentions) == 1
    # Every URL asked for in the three scans is one robots.txt allows; the ones it disallows
    # (a members-only thread the feed links to, the search page) were never asked for.
    rules = Protego.parse((FIXTURES / "mumsnet" / "robots.txt").read_text("utf-8"))
    requested = [request.target for request in site.requests]
    assert requested.count("/robots.txt") == 3
    assert all(rules.can_fetch(site.url + target, "reputation-monitor") for target in requested)
    assert not [target for target in requested if "_private/" in target or "/search" in target]


def test_a_post_with_neither_id_nor_author_and_time_is_skipped_and_the_thread_kept(
    server: LoopbackServer, tmp_path: Path
) -> None:
    server.route("/robots.txt", Reply.fixture("mumsnet/robots.txt", "text/plain"))
    server.route(SATS, html("thread_5412999_one_unreadable.html"))
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={
            "mumsnet": {
                "type": "mumsnet",
                "base_url": server.url,
                "threads": [f"{SITE}{SATS}"],
                "request_delay": "0s",
            }
        },
    )
    scanned = monitor(path, "scan")
    assert scanned.exit_code == 0, scanned.output
    assert "1 unreadable item skipped" in scanned.stdout
    assert "thread 5412999: a post's author or time could not be read" in scanned.stdout
    # The opening post is the thread's mention; the reply after the unreadable one is kept.
    assert stored_ids(path, "mumsnet") == {"thread:5412999", "post:5412999:134100002"}
    status = statuses(path)["mumsnet"]
    assert (status["health"], status["skipped_items"]) == ("ok", 1)

    # The thread's page re-read with no post readable: the layout changed, and it says so.
    server.route(SATS, html("thread_5412999_none_readable.html"))
    assert monitor(path, "scan").exit_code == 1
    status = statuses(path)["mumsnet"]
    assert status["health"] == "parser_broken"
    assert "no post's author and time could be read" in status["last_error"]


@dataclass(frozen=True)
class Scanned:
    """One scan of the mumsnet source: its outcome, its health after, the mentions stored."""

    outcome: SourceOutcome
    health: str
    mentions: list[Mention]

    @property
    def status(self) -> str:
        return str(self.outcome.status)

    def ids(self, thread: str = "") -> set[str]:
        """The stored mentions' ids (only the thread's own and its posts' when `thread` is set)."""
        return {
            mention.external_id
            for mention in self.mentions
            if not thread or thread in (mention.external_id, mention.parent_external_id)
        }


def scan_config(tmp_path: Path, site: LoopbackServer, **keys: Any) -> Config:
    """A config whose one source is mumsnet on the loopback server, stored in a SQLite file."""
    settings = {"type": "mumsnet", "base_url": site.url, "request_delay": "0s"} | keys
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[school]
name = "Calcot Schools"
aliases = ["Calcot Infant School", "Calcot Junior School"]
[storage]
url = "sqlite:///{tmp_path / "monitor.db"}"
[sources.mumsnet]
"""
        + "".join(f"{key} = {json.dumps(value)}\n" for key, value in settings.items()),
        encoding="utf-8",
    )
    return load(path)


def scan_at(config: Config, now: datetime) -> Scanned:
    """One real scan (the Scanner, a SQLite file) with a clock that says `now`."""

    async def main() -> Scanned:
        clock = lambda: now  # noqa: E731
        async with PoliteClient(contact="t@example.org", retries=0, clock=clock) as http:
            with Store.open(config.storage.url) as store:
                report = await Scanner(config, store, http, clock).run()
                with store.transaction(read_only=True) as tx:
                    health = source_state.statuses(tx)["mumsnet"].health
                    stored = mentions.list_mentions(tx, source="mumsnet")
        return Scanned(report.outcomes[0], str(health), stored)

    return asyncio.run(main())


def test_through_the_scan_a_found_thread_is_read_to_its_end_then_only_at_its_end(
    site: LoopbackServer, tmp_path: Path
) -> None:
    config = scan_config(tmp_path, site, topics=["primary_education"])
    first = scan_at(config, NOW)
    assert first.status == "ok"
    # Found on the topic listing: every page read once, every post of pages 1 to 3 stored.
    assert Counter(page_requests(site)) == {
        TOPIC: 1,
        SATS: 1,
        NEW_HEAD: 1,
        f"{NEW_HEAD}?page=2": 1,
        f"{NEW_HEAD}?page=3": 1,
    }
    posts = [m for m in first.mentions if m.parent_external_id == "thread:5412345"]
    assert sorted(m.extra["page"] for m in posts) == [1, 1, 1, 2, 2, 3, 3]
    assert {"post:5412345:134000011", "post:5412345:134000020"} <= first.ids()
    assert len(first.ids("thread:5412345")) == 1 + 7

    # A new post on page 3 and a new page 4: the next scan reads the last page read and the
    # new one after it, never the pages before.
    site.route(f"{NEW_HEAD}?page=3", html("thread_5412345_page3_more.html"))
    site.route(f"{NEW_HEAD}?page=4", html("thread_5412345_page4.html"))
    site.requests.clear()
    second = scan_at(config, NOW + timedelta(minutes=30))
    assert Counter(page_requests(site)) == {
        TOPIC: 1,
        SATS: 1,
        f"{NEW_HEAD}?page=3": 1,
        f"{NEW_HEAD}?page=4": 1,
    }
    assert len(site.requests_to(NEW_HEAD)) == 2
    assert second.ids() - first.ids() == {"post:5412345:134000022", "post:5412345:134000030"}
    assert (second.outcome.new, second.outcome.updated) == (2, 0)

    site.requests.clear()
    third = scan_at(config, NOW + timedelta(minutes=60))
    assert Counter(page_requests(site)) == {TOPIC: 1, SATS: 1, f"{NEW_HEAD}?page=4": 1}
    assert third.ids() == second.ids() and third.outcome.new == 0


def test_through_the_scan_a_thread_longer_than_the_page_budget_is_finished_next_poll(
    site: LoopbackServer, tmp_path: Path
) -> None:
    config = scan_config(tmp_path, site, threads=[f"{SITE}{NEW_HEAD}"], max_pages_per_poll=2)
    first = scan_at(config, NOW)
    assert page_requests(site) == [NEW_HEAD, f"{NEW_HEAD}?page=2"]
    assert (first.outcome.fetched, first.outcome.new) == (1 + 5, 1 + 5)
    site.requests.clear()
    second = scan_at(config, NOW + timedelta(minutes=30))
    # From where the first poll stopped: page 3 only, its two posts new, nothing fetched twice.
    assert page_requests(site) == [f"{NEW_HEAD}?page=3"]
    assert (second.outcome.fetched, second.outcome.new) == (2, 2)
    # Nothing lost: what one poll without a budget finds.
    whole = poll(source_config(site, threads=[f"{SITE}{NEW_HEAD}"]))
    assert second.ids() == set(by_id(whole.items)) and len(second.ids()) == 1 + 7
    site.requests.clear()
    third = scan_at(config, NOW + timedelta(minutes=60))
    assert page_requests(site) == [f"{NEW_HEAD}?page=3"]
    assert (third.outcome.fetched, third.outcome.new) == (0, 0)


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
