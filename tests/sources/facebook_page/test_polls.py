"""What a first and a later poll ask Graph for, and what the scan stores once, edits included."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.model import Visibility
from sources.facebook_page import FacebookCursor
from storage.database import Store
from storage.mention_reading import list_mentions
from storage.mentions import versions
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
    TOKEN,
    VISITOR,
    edge,
    poll,
    query_of,
    reply,
    route_page,
    run,
    write_facebook_config,
)


def test_first_poll_reads_feed_pages_and_every_comment_page(
    server: LoopbackServer, token_env: None
) -> None:
    route_page(server)
    result = poll(server)
    by_id = {item.external_id: item for item in result.items}
    assert set(by_id) == {CLOSURE, VISITOR, HARVEST, SAM, ALEX, PAGE_REPLY, PAT, HARVEST_COMMENT}
    assert len(result.items) == len(by_id)  # the post on both feed pages is there once
    assert by_id[PAT].parent_external_id == CLOSURE
    assert by_id[PAGE_REPLY].parent_external_id == SAM
    assert by_id[PAGE_REPLY].extra["by_page"] is True
    assert by_id[SAM].extra["author_key"] == by_id[HARVEST_COMMENT].extra["author_key"]
    closure_comments = server.requests_to(edge(f"{CLOSURE}/comments"))
    # Three pages: the first, an empty one that still had `next`, then the last.
    assert [query_of(r.query).get("after") for r in closure_comments] == [
        None,
        "QVFIUkFmdGVyMQ",
        "QVFIUkFmdGVyMg",
    ]
    assert result.requests == 2 + 3 + 1 + 1
    for request in server.requests:
        query = query_of(request.query)
        assert query["access_token"] == TOKEN  # ours, never the one in a `next` link
    first = query_of(server.requests_to(edge(f"{PAGE_ID}/feed"))[0].query)
    assert first["fields"] == (
        "id,message,story,attachments{title,description},created_time,updated_time,from,"
        "permalink_url,status_type,is_hidden"
    )
    since = datetime.fromtimestamp(int(first["since"]), UTC)
    assert abs(since - (datetime.now(UTC) - timedelta(days=14))) < timedelta(minutes=5)
    assert query_of(closure_comments[0].query)["filter"] == "stream"
    assert "is_hidden" in query_of(closure_comments[0].query)["fields"]
    cursor = FacebookCursor.from_json(result.cursor)
    assert set(cursor.posts) == {CLOSURE, VISITOR, HARVEST}


def test_next_poll_asks_since_the_last_poll_less_an_hour_and_sees_edits(
    server: LoopbackServer, token_env: None
) -> None:
    route_page(server)
    first = poll(server)
    server.requests.clear()
    server.route(edge(f"{PAGE_ID}/feed"), reply("feed_empty.json"))
    server.route(edge(f"{CLOSURE}/comments"), reply("comments_edited.json"))
    second = poll(server, dict(first.cursor))
    last_poll = FacebookCursor.from_json(first.cursor).last_poll
    assert last_poll is not None
    since = query_of(server.requests_to(edge(f"{PAGE_ID}/feed"))[0].query)["since"]
    assert int(since) == int((last_poll - timedelta(hours=1)).timestamp())
    by_id = {item.external_id: item for item in second.items}
    # Comments on posts no longer in the feed are still read: that is how new ones are found.
    assert {SAM, ALEX, PAGE_REPLY, PAT, HARVEST_COMMENT} <= set(by_id)
    assert "resign" in by_id[SAM].text and by_id[SAM].visibility == Visibility.HIDDEN


def test_scan_stores_posts_and_comments_once_with_their_threads_and_edits(
    server: LoopbackServer, token_env: None, tmp_path: Path
) -> None:
    route_page(server)
    path = write_facebook_config(tmp_path, server)
    assert run("--config", str(path), "scan").exit_code == 0
    assert run("--config", str(path), "scan").exit_code == 0  # the same again: nothing new
    listed = json.loads(run("--config", str(path), "mentions", "--format", "json").output)
    assert sorted(m["external_id"] for m in listed) == sorted(
        [CLOSURE, VISITOR, HARVEST, SAM, ALEX, PAGE_REPLY, PAT, HARVEST_COMMENT]
    )
    parents = {m["external_id"]: m["parent_external_id"] for m in listed}
    assert parents[ALEX] == SAM and parents[SAM] == CLOSURE and parents[CLOSURE] is None
    types = {m["external_id"]: m["item_type"] for m in listed}
    assert types[CLOSURE] == "post" and types[PAT] == "comment"

    server.route(edge(f"{CLOSURE}/comments"), reply("comments_edited.json"))
    assert run("--config", str(path), "scan").exit_code == 0
    store = Store.open(f"sqlite:///{tmp_path / 'monitor.db'}")
    try:
        with store.transaction() as tx:
            stored = {m.external_id: m for m in list_mentions(tx, source="facebook")}
            assert len(stored) == 8
            edited = stored[SAM]
            assert edited.version == 2 and "resign" in edited.text
            assert edited.visibility == Visibility.HIDDEN
            [old] = versions(tx, edited.id)
            assert "some of us have jobs" in old.text  # the earlier text is kept
            assert stored[ALEX].version == 1  # the edit of its parent did not touch a reply
            assert stored[CLOSURE].extra["by_page"] is True
    finally:
        store.close()
