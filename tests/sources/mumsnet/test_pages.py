"""Parsing thread and topic pages: authors, times and text without quotes; both layouts."""

from __future__ import annotations

from datetime import UTC, datetime

from sources.mumsnet.discovery import school_matcher
from sources.mumsnet.parse import parse_topic_page
from tests.loopback import FIXTURES
from tests.sources.mumsnet.support import ADMISSIONS, ALIASES, NEW_HEAD, SITE, TOPIC, parse_fixture


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
