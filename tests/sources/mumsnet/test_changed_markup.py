"""A changed page layout is loud (parser_broken) and names the page; one odd post is skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.model import Health
from sources.errors import SourceFormatError
from sources.mumsnet.parse import parse_thread_page
from sources.mumsnet.urls import ThreadRef
from tests.commands import monitor, statuses, stored_ids
from tests.configs import write_config
from tests.loopback import FIXTURES, LoopbackServer, Reply
from tests.sources.mumsnet.support import (
    NEW_HEAD,
    NOW,
    SATS,
    SITE,
    TOPIC,
    html,
    parse_fixture,
    poll,
    source_config,
)


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


def test_changed_markup_on_a_topic_page_is_a_format_error(site: LoopbackServer) -> None:
    site.route(TOPIC, html("changed_markup.html"))
    with pytest.raises(SourceFormatError, match=r"/talk/primary_education: no threads found"):
        poll(source_config(site, topics=["primary_education"]))


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
