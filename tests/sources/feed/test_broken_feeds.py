"""Feeds that are not feeds, empty or cut off; one unreadable entry costs only itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from sources.common.feeds import parse_feed
from sources.errors import SourceFormatError
from storage import scan_runs
from storage.database import Store
from tests.commands import monitor, statuses, stored_ids
from tests.configs import write_config
from tests.loopback import FIXTURES, LoopbackServer, Reply
from tests.sources.feed.support import (
    ATOM,
    NOTICEBOARD,
    feed_config,
    parse,
    run_fetch,
    serve_fixture,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("error_page.html", "got an HTML page"), ("truncated.xml", "malformed feed")],
)
def test_not_a_feed_is_a_format_error(name: str, expected: str) -> None:
    with pytest.raises(SourceFormatError, match=expected):
        parse(name)


def test_an_empty_feed_is_no_entries_not_an_error() -> None:
    assert parse("empty_atom.xml") == []


def test_html_instead_of_a_feed_is_a_format_error(served: LoopbackServer) -> None:
    with pytest.raises(SourceFormatError, match="HTML page"):
        run_fetch(feed_config(url=f"{served.url}/broken"))


@pytest.mark.parametrize("name", ["empty_rss_entity.rss", "empty_alerts.atom"])
def test_an_empty_feed_is_healthy_even_with_entities_xml_does_not_define(
    server: LoopbackServer, name: str
) -> None:
    assert parse(name) == []
    result = run_fetch(feed_config(url=serve_fixture(server, "/empty", name, ATOM)))
    assert result.items == []


def test_a_cut_off_feed_and_a_document_without_a_feed_element_are_format_errors() -> None:
    with pytest.raises(SourceFormatError, match="malformed feed"):
        parse_feed(
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>', label="x"
        )
    with pytest.raises(SourceFormatError, match="not a feed"):
        parse_feed(b'<?xml version="1.0"?><error><code>403</code></error>', label="x")


def test_bytes_that_name_a_file_are_not_read_from_disk(tmp_path: Path) -> None:
    # feedparser opens a bytes argument as a path if it can; a hostile body must not be one.
    secret = tmp_path / "feed.xml"
    secret.write_bytes((FIXTURES / "feed" / "atom.xml").read_bytes())
    with pytest.raises(SourceFormatError, match="not a feed"):
        parse_feed(str(secret).encode(), label="x")


def test_one_unreadable_entry_is_skipped_the_rest_stored_and_status_counts_it(
    server: LoopbackServer, tmp_path: Path
) -> None:
    server.route("/notices.rss", Reply.fixture(f"feed/{NOTICEBOARD}", "application/rss+xml"))
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"notices": {"type": "feed", "url": f"{server.url}/notices.rss"}},
    )
    scanned = monitor(path, "scan")
    assert scanned.exit_code == 0, scanned.output
    assert "1 unreadable item skipped, the rest stored: 127.0.0.1/notices.rss: entry 5" in (
        scanned.stdout
    )
    assert "WARNING" in scanned.stderr and "notices: 1 unreadable item skipped" in scanned.stderr
    assert len(stored_ids(path, "notices")) == 4
    status = statuses(path)["notices"]
    assert (status["health"], status["skipped_items"], status["last_error"]) == ("ok", 1, None)
    table = monitor(path, "status").stdout.splitlines()
    row = dict(zip(table[0].split("\t"), table[1].split("\t"), strict=True))
    assert (row["health"], row["skipped"]) == ("ok", "1")
    with Store.open(f"sqlite:///{tmp_path / 'monitor.db'}") as store, store.transaction() as tx:
        (run,) = scan_runs.latest(tx)
    assert run.outcomes["notices"]["skipped"] == 1
    assert run.outcomes["notices"]["skipped_reasons"] == [
        "127.0.0.1/notices.rss: entry 5 has nothing to identify it (no id, link, title or text)"
    ]
    checked = monitor(path, "check", "--online")
    assert checked.exit_code == 0, checked.output
    assert "source notices (feed): ok (1 unreadable item skipped, the rest stored: " in (
        checked.stdout
    )

    # Entries there, none readable: the feed's format has changed, and the source says so.
    server.route("/notices.rss", Reply.fixture("feed/no_readable_entry.rss", "application/rss+xml"))
    assert monitor(path, "scan").exit_code == 1
    status = statuses(path)["notices"]
    assert status["health"] == "parser_broken"
    assert "entry 1 has nothing to identify it" in status["last_error"]
    assert status["skipped_items"] == 1  # what the last successful poll skipped
    assert len(stored_ids(path, "notices")) == 4
