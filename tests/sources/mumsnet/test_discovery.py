"""Finding threads: topic listings, discovery feeds (secret or not), robots.txt's disallows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sources.errors import SourceError
from tests.loopback import LoopbackServer, Reply
from tests.sources.mumsnet.support import (
    FEED,
    NEW_HEAD,
    PRIVATE,
    SATS,
    TOPIC,
    by_id,
    html,
    page_requests,
    poll,
    source_config,
)


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


def test_more_topic_pages_when_asked(site: LoopbackServer) -> None:
    site.route("/talk/primary_education/5390000", html("thread_5412999.html"))
    result = poll(source_config(site, topics=["primary_education"], pages_per_topic=2))
    assert page_requests(site)[:2] == [TOPIC, f"{TOPIC}?pg=2"]
    assert "5390000" in result.cursor["threads"]  # "calcot infant school nativity tickets"


def test_a_topic_that_does_not_exist_is_an_error(site: LoopbackServer) -> None:
    with pytest.raises(SourceError, match=r"/talk/primary_educaton: HTTP 404; is the topic"):
        poll(source_config(site, topics=["primary_educaton"]))


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
