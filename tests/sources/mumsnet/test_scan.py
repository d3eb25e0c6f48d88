"""`monitor scan` end to end: every route to a thread, each post stored once, pages read once."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from protego import Protego

from monitor.cli import main
from tests.loopback import FIXTURES, LoopbackServer
from tests.sources.mumsnet.support import (
    FEED,
    NEW_HEAD,
    NOW,
    SATS,
    SITE,
    TOPIC,
    by_id,
    html,
    page_requests,
    poll,
    scan_at,
    scan_config,
    source_config,
)


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
