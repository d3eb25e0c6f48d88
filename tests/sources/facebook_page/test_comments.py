"""Comments: threads, empty pages that are not the end, deleted posts, one unreadable comment."""

from __future__ import annotations

import json
from pathlib import Path

from monitor.model import Visibility
from sources.facebook_page import FacebookCursor
from sources.facebook_page.items import comment_item
from sources.facebook_page.parse import GRAPH, parse_comment, parse_page
from tests.commands import statuses, stored_ids
from tests.loopback import LoopbackServer
from tests.sources.facebook_page.support import (
    ALEX,
    CLOSURE,
    HARVEST,
    HARVEST_COMMENT,
    PAGE_ID,
    PAGE_REPLY,
    PAT,
    SAM,
    VISITOR,
    edge,
    fixture,
    poll,
    reply,
    route_page,
    run,
    write_facebook_config,
)


def test_a_reply_points_at_its_comment_and_a_comment_at_its_post() -> None:
    page = parse_page(fixture("comments_1.json"), "comments")
    sam, alex = (
        comment_item(PAGE_ID, CLOSURE, parse_comment(GRAPH.mapping(e, "c"), "c")) for e in page.data
    )
    assert sam.parent_external_id == CLOSURE and sam.item_type == "comment"
    assert alex.parent_external_id == SAM
    assert sam.extra == {
        "post_id": CLOSURE,
        "by_page": False,
        "author_key": sam.extra["author_key"],
        "can_hide": True,
    }
    assert sam.visibility == Visibility.VISIBLE
    assert "comment_count" not in json.dumps(sam.extra)  # would make every reply an edit


def test_an_empty_page_with_next_is_not_the_end_and_a_page_without_next_is() -> None:
    assert parse_page(fixture("comments_2_empty_with_next.json"), "c").next_query is not None
    last = parse_page(fixture("comments_3.json"), "c")
    assert last.next_query is None and len(last.data) == 2  # fewer than limit says nothing


def test_a_post_deleted_since_is_dropped_from_the_comment_pass(
    server: LoopbackServer, token_env: None
) -> None:
    route_page(server)
    server.route(edge(f"{VISITOR}/comments"), reply("error_100_33.json", status=400))
    result = poll(server)
    assert VISITOR not in FacebookCursor.from_json(result.cursor).posts
    assert any(item.external_id == PAT for item in result.items)


def test_a_comment_without_an_id_is_skipped_and_the_rest_of_the_page_stored(
    server: LoopbackServer, token_env: None, tmp_path: Path
) -> None:
    route_page(server)
    server.route(edge(f"{HARVEST}/comments"), reply("comments_harvest_one_without_id.json"))
    path = write_facebook_config(tmp_path, server)
    scanned = run("--config", str(path), "scan")
    assert scanned.exit_code == 0, scanned.output
    assert "1 unreadable item skipped" in scanned.stdout
    assert f"comments of {HARVEST} data[1].id is missing" in scanned.stdout
    # The good comment on the same page is stored, and so is everything else.
    assert stored_ids(path, "facebook") == {
        CLOSURE, VISITOR, HARVEST, SAM, ALEX, PAGE_REPLY, PAT, HARVEST_COMMENT
    }  # fmt: skip
    status = statuses(path)["facebook"]
    assert (status["health"], status["skipped_items"]) == ("ok", 1)

    # A page of comments none of which can be read: the shape changed, the source says so.
    server.route(edge(f"{HARVEST}/comments"), reply("comments_harvest_none_with_id.json"))
    assert run("--config", str(path), "scan").exit_code == 1
    status = statuses(path)["facebook"]
    assert status["health"] == "parser_broken"
    assert f"comments of {HARVEST} data[0].id is missing or not text" in status["last_error"]
