"""Searching the wiki: snippets without match spans, new hits once, watched pages left out."""

from __future__ import annotations

import pytest

from sources.errors import SourceFormatError
from sources.wikipedia.parse import parse_search
from tests.loopback import LoopbackServer
from tests.sources.wikipedia.support import (
    API,
    PAGEID,
    QUERY,
    TITLE,
    config_for,
    load,
    poll,
    queries,
    reply,
    route_page,
)


def test_search_snippets_lose_their_match_spans_and_entities() -> None:
    page = parse_search(load("search_1.json"))
    assert [hit.title for hit in page.hits] == [
        "Exampleton",
        TITLE,
        "List of schools in Exampleshire",
    ]
    assert page.hits[0].snippet == (
        'The village is served by St Example\'s CE Primary, rated "Good" in 2024 & 2021'
    )
    assert page.continuation == {"sroffset": "3", "continue": "-||"}
    assert page.totalhits == 4
    assert parse_search(load("search_2.json")).continuation is None


def test_a_search_result_without_title_is_a_format_error() -> None:
    with pytest.raises(SourceFormatError):
        parse_search(load("search_broken.json"))


def test_search_hits_are_new_once_and_leave_out_watched_pages(server: LoopbackServer) -> None:
    route_page(server, reply("revisions_baseline.json"))
    search = {"action": "query", "list": "search", "srsearch": QUERY}
    server.route(API, reply("search_1.json"), params=search)
    server.route(API, reply("search_2.json"), params={**search, "sroffset": "3"})
    config = config_for(server, search=[QUERY])
    first = poll(config)
    articles = [item for item in first.items if item.item_type == "article"]
    assert [item.title for item in articles] == [
        "Exampleton",
        "List of schools in Exampleshire",
        "Exampleton Parish Church",
    ]
    exampleton = articles[0]
    assert exampleton.external_id == "page:2718281"
    assert exampleton.text == (
        'The village is served by St Example\'s CE Primary, rated "Good" in 2024 & 2021'
    )
    assert exampleton.url == f"{server.url}/wiki/Exampleton"
    assert exampleton.extra["baseline"] is True and exampleton.extra["query"] == QUERY
    assert first.cursor["search"] == {QUERY: [1414213, 1732050, 2718281, PAGEID]}
    searches = [sent for sent in queries(server) if sent.get("list") == "search"]
    assert [sent.get("sroffset") for sent in searches] == [None, "3"]
    assert searches[1]["continue"] == "-||"

    server.route(API, reply("search_repoll.json"), params=search)
    route_page(server, reply("revisions_unchanged.json"), rvstartid="1254000777")
    second = poll(config, first.cursor)
    assert [(item.title, item.extra["baseline"]) for item in second.items] == [
        ("Exampleton Gazette", False)
    ]
    third = poll(config, second.cursor)
    assert third.items == []
