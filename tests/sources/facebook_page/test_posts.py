"""Posts from the Page's feed: authors, paging, and the words of a post without a message."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.model import Visibility
from sources.errors import SourceError
from sources.facebook_page.items import post_item
from sources.facebook_page.parse import GRAPH, parse_page, parse_post
from tests.loopback import LoopbackServer
from tests.sources.facebook_page.support import (
    CLOSURE,
    HIDDEN_SPAM,
    PAGE_ID,
    PHOTOS,
    SHARED_LINK,
    VISITOR,
    edge,
    fixture,
    query_of,
    reply,
    run,
    write_facebook_config,
)


def test_feed_page_parses_posts_authors_and_the_next_query() -> None:
    page = parse_page(fixture("feed_1.json"), "feed")
    posts = [parse_post(GRAPH.mapping(entry, "feed"), "feed") for entry in page.data]
    assert [post.id for post in posts] == [CLOSURE, VISITOR]
    assert posts[0].created_time == datetime(2026, 11, 19, 6, 45, 12, tzinfo=UTC)
    assert page.next_query is not None and page.next_query["__paging_token"] == "enc_AdDnext1"
    page_post, visitor_post = (post_item(PAGE_ID, post) for post in posts)
    assert page_post.extra["by_page"] is True and visitor_post.extra["by_page"] is False
    assert visitor_post.author == "Jo Visitor"
    assert visitor_post.url == "https://www.facebook.com/CalcotSchools/posts/pfbid0visitorpost"
    # The profile id is not kept: only a hash that groups the author's comments.
    assert "7011122233344455" not in json.dumps(visitor_post.extra)
    assert len(visitor_post.extra["author_key"]) == 16


def test_a_post_without_a_message_takes_its_words_from_its_story_and_attachments() -> None:
    page = parse_page(fixture("feed_shared_link.json"), "feed")
    shared, photos, spam = (
        post_item(PAGE_ID, parse_post(GRAPH.mapping(e, "feed"), "feed")) for e in page.data
    )
    assert shared.text == (
        "Jo Visitor shared a link.\n"
        "Parents angry as Calcot Junior School shuts without warning\n"
        "Families were told at 7am that the school would not open. Parents called the chaos a"
        " disgrace and say they are furious."
    )
    # A title repeated as the description is said once.
    assert photos.text == "Calcot Schools added 2 new photos.\nHarvest festival"
    # A post with words of its own is those words; the page hid this one.
    assert spam.text == "Spam spam spam, buy followers here"
    assert spam.visibility == Visibility.HIDDEN and shared.visibility == Visibility.VISIBLE
    first = GRAPH.mapping(page.data[0], "feed")
    with pytest.raises(SourceError, match=r"feed\.attachments is missing or not an object"):
        parse_post({**first, "attachments": [{"title": "not nested"}]}, "feed")


def test_scan_stores_a_post_without_a_message_with_the_words_it_shares(
    server: LoopbackServer, token_env: None, tmp_path: Path
) -> None:
    server.route(edge(f"{PAGE_ID}/feed"), reply("feed_shared_link.json"))
    for post_id in (SHARED_LINK, PHOTOS, HIDDEN_SPAM):
        server.route(edge(f"{post_id}/comments"), reply("comments_empty.json"))
    path = write_facebook_config(tmp_path, server)
    assert run("--config", str(path), "scan").exit_code == 0
    [feed_request] = server.requests_to(edge(f"{PAGE_ID}/feed"))
    fields = query_of(feed_request.query)["fields"]
    assert ",story," in fields and ",attachments{title,description}," in fields
    listed = json.loads(run("--config", str(path), "mentions", "--format", "json").output)
    by_id = {mention["external_id"]: mention for mention in listed}
    shared = by_id[SHARED_LINK]
    assert shared["text"].startswith("Jo Visitor shared a link.\nParents angry as Calcot Junior")
    assert "called the chaos a disgrace" in shared["text"]
    # Words to score, so the share of a hostile headline is seen for what it is.
    assert shared["sentiment"] < 0 and "negative" in shared["labels"]
    assert by_id[HIDDEN_SPAM]["visibility"] == "hidden"
    assert shared["visibility"] == "visible"
    table = run("--config", str(path), "mentions").output
    assert "(hidden) Spam spam spam" in table
