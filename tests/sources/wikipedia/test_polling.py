"""Polls over real HTTP: a baseline first, then only new revisions, across pages and repolls."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.model import EditorKind
from sources.wikipedia.items import HIDDEN_USER
from tests.loopback import LoopbackServer
from tests.sources.wikipedia.support import (
    API,
    BASELINE_CURSOR,
    MARKUP_TEXT,
    PAGEID,
    TITLE,
    by_id,
    config_for,
    facts_of,
    poll,
    queries,
    reply,
    route_newer,
    route_page,
)


def test_first_poll_stores_the_latest_revisions_as_baseline(server: LoopbackServer) -> None:
    route_page(server, reply("revisions_baseline.json"))
    result = poll(config_for(server))
    assert [item.external_id for item in result.items] == ["1240000000", "1250000100", "1254000777"]
    ip, hidden, named = result.items
    assert all(item.extra["baseline"] for item in result.items)
    assert (named.text, named.author, facts_of(named).editor) == (
        "/* History */ expanded with sources",
        "Schoolhistorian",
        EditorKind.REGISTERED,
    )
    assert facts_of(named).size_delta == 230  # from the baseline's own sizes
    assert (hidden.author, hidden.text, hidden.extra["comment"]) == (HIDDEN_USER, "", None)
    assert (hidden.extra["userhidden"], hidden.extra["commenthidden"]) == (True, True)
    assert (ip.author, ip.extra["anon"], facts_of(ip).editor) == (
        "192.0.2.44",
        True,
        EditorKind.ANONYMOUS,
    )
    assert ip.published_at == datetime(2019, 3, 4, 10, 15, tzinfo=UTC)
    assert named.url == f"{server.url}/w/index.php?diff=1254000777&oldid=1250000100"
    assert result.cursor == BASELINE_CURSOR
    # One request: no older history, no diffs.
    (sent,) = queries(server)
    assert sent["rvlimit"] == "50" and "rvstartid" not in sent and "rvcontinue" not in sent
    assert (sent["format"], sent["formatversion"], sent["maxlag"]) == ("json", "2", "5")
    user_agent = server.requests[0].headers["User-Agent"]
    assert "test@example.org" in user_agent
    assert result.requests == 1


def test_new_revisions_follow_continue_and_carry_the_added_text(server: LoopbackServer) -> None:
    route_newer(server)
    result = poll(config_for(server), BASELINE_CURSOR)
    items = by_id(result.items)
    assert list(items) == ["1255000001", "1255001122", "1255002000"]
    vandalism = items["1255000001"]
    assert vandalism.text == (
        "a liar and an idiot … was sacked\n"
        "The school was criticised by parents in 2026 because it sucks."
    )
    assert vandalism.author == "~2026-48233-24"
    assert vandalism.url == f"{server.url}/w/index.php?diff=1255000001&oldid=1254000777"
    extra, facts = vandalism.extra, facts_of(vandalism)
    assert (facts.editor, extra["temp"], extra["anon"]) == (EditorKind.TEMPORARY, True, False)
    assert extra["removed_text"] == 'joined\nIn 2024 Ofsted rated the school "Good".'
    assert (facts.size_delta, facts.bytes_removed, facts.removed_share) == (-110, 110, 0.0177)
    assert (facts.blanking, facts.replaced) == (False, False)
    assert (extra["baseline"], extra["diff_status"]) == (False, "fetched")
    assert facts.offensive_words == ("idiot", "liar", "sucks")
    assert (facts.reverted, facts.is_revert, extra["revert_tags"]) == (True, False, ["mw-reverted"])
    assert (facts.revert_risk, extra["revert_risk_note"]) == (None, "off")
    rollback = items["1255001122"]
    assert (facts_of(rollback).is_revert, rollback.extra["revert_tags"]) == (True, ["mw-rollback"])
    assert facts_of(rollback).offensive_words == ()  # what it removed is not what it said
    assert items["1255002000"].text == MARKUP_TEXT
    assert result.cursor == {
        "pages": {TITLE: {"pageid": PAGEID, "revid": 1255002000}},
        "search": {},
    }


def test_continue_is_sent_back_whole_and_the_stored_revision_is_skipped(
    server: LoopbackServer,
) -> None:
    route_newer(server)
    result = poll(config_for(server), BASELINE_CURSOR)
    pages = [sent for sent in queries(server) if sent["action"] == "query"]
    assert [sent.get("rvcontinue") for sent in pages] == [None, "20261102211420|1255001122"]
    assert pages[1]["continue"] == "||"
    assert pages[1]["rvstartid"] == "1254000777"  # the original parameters go with it
    compares = [sent for sent in queries(server) if sent["action"] == "compare"]
    assert [(sent["fromrev"], sent["torev"]) for sent in compares] == [
        ("1254000777", "1255000001"),
        ("1255000001", "1255001122"),
        ("1255001122", "1255002000"),
    ]
    assert "1254000777" not in by_id(result.items)
    assert result.requests == 5


def test_a_repoll_adds_nothing(server: LoopbackServer) -> None:
    route_page(server, reply("revisions_repoll.json"), rvstartid="1255002000")
    cursor = {"pages": {TITLE: {"pageid": PAGEID, "revid": 1255002000}}, "search": {}}
    result = poll(config_for(server), cursor)
    assert result.items == []
    assert result.cursor == cursor
    assert [sent["action"] for sent in queries(server)] == ["query"]  # no diffs asked for


def test_a_baseline_then_a_new_revision_is_stored_with_its_added_text(
    server: LoopbackServer,
) -> None:
    route_page(server, reply("revisions_baseline.json"))
    first = poll(config_for(server))
    route_newer(server)
    second = poll(config_for(server), first.cursor)
    assert by_id(second.items)["1255002000"].text == MARKUP_TEXT
    assert not set(by_id(first.items)) & set(by_id(second.items))


def test_a_redirected_title_keeps_its_configured_name_in_the_cursor(
    server: LoopbackServer,
) -> None:
    server.route(API, reply("revisions_redirect.json"))
    result = poll(config_for(server, pages=["st_Example's_school"]))
    assert [item.title for item in result.items] == [TITLE]
    assert result.cursor["pages"] == {
        "st_Example's_school": {"pageid": PAGEID, "revid": 1254000777}
    }


def test_a_vanished_saved_revision_starts_the_page_afresh(server: LoopbackServer) -> None:
    route_page(server, reply("error_badid_startid.json"), rvstartid="1254000777")
    route_page(server, reply("revisions_baseline.json"))
    result = poll(config_for(server), BASELINE_CURSOR)
    assert all(item.extra["baseline"] for item in result.items)
    assert result.cursor == BASELINE_CURSOR


JUNIOR = "Calcot_Junior_School"  # as configured; the wiki normalises it to "Calcot Junior School"


def test_several_pages_are_checked_in_one_request_and_only_changed_ones_read(
    server: LoopbackServer,
) -> None:
    config = config_for(server, pages=[TITLE, JUNIOR])
    route_page(server, reply("revisions_baseline.json"), rvlimit="50")
    server.route(
        API,
        reply("revisions_baseline_junior.json"),
        params={"action": "query", "prop": "revisions", "titles": JUNIOR, "rvlimit": "50"},
    )
    first = poll(config)
    assert len(queries(server)) == 2  # a baseline read of each page
    assert first.cursor["pages"][JUNIOR] == {"pageid": 41234567, "revid": 1254100000}

    both = {"action": "query", "prop": "revisions", "titles": f"{TITLE}|{JUNIOR}", "rvprop": "ids"}
    server.route(API, reply("revisions_latest_unchanged.json"), params=both)
    quiet = poll(config, first.cursor)
    assert quiet.items == [] and quiet.cursor == first.cursor
    assert queries(server)[2:] == [{**both, "format": "json", "formatversion": "2",
                                    "redirects": "1", "maxlag": "5"}]  # fmt: skip

    server.route(API, reply("revisions_latest_one_changed.json"), params=both)
    route_newer(server)
    changed = poll(config, first.cursor)
    asked = queries(server)[3:]
    assert asked[0]["titles"] == f"{TITLE}|{JUNIOR}"
    assert all(query.get("titles") != JUNIOR for query in asked)  # the unchanged page: not read
    assert [query["rvstartid"] for query in asked if "rvstartid" in query] == ["1254000777"] * 2
    assert {item.extra["revid"] for item in changed.items} >= {1255000001, 1255002000}
    assert changed.cursor["pages"][JUNIOR] == first.cursor["pages"][JUNIOR]
    assert changed.cursor["pages"][TITLE]["revid"] == 1255002000
