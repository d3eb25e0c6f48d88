"""Reading a thread: each post once, only from the last page read onward, within the page budget."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.loopback import LoopbackServer, Reply
from tests.sources.mumsnet.support import (
    ADMISSIONS,
    NEW_HEAD,
    NOW,
    SATS,
    SITE,
    TOPIC,
    html,
    page_requests,
    poll,
    source_config,
)


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
