"""The feed adapter: golden parses of Atom, RSS 2.0 and Google Alerts, and fetches over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.model import FetchResult, SourceState
from sources.common.feeds import parse_feed, real_link
from sources.common.text import plain_text
from sources.errors import SourceFormatError, SourceUnavailableError
from sources.feed import FeedConfig, fetch
from sources.http import PoliteClient
from tests.loopback import FIXTURES, LoopbackServer, Reply

ALIASES = ["Calcot Infant School", "Calcot Junior School", "Calcot Schools", "Calcot Infants"]
ATOM = "application/atom+xml"


def parse(name: str) -> list:
    return parse_feed((FIXTURES / "feed" / name).read_bytes(), label="example.org")


def run_fetch(config: FeedConfig, state: SourceState | None = None) -> FetchResult:
    async def go() -> FetchResult:
        async with PoliteClient(contact="test@example.org", backoff=0.01, timeout=5) as http:
            return await fetch(http, config, state or SourceState(name="news"))

    return asyncio.run(go())


def feed_config(**keys: object) -> FeedConfig:
    return FeedConfig.model_validate({"type": "feed", **keys}, context={"aliases": ALIASES})


def test_google_alerts_entries_are_unwrapped_and_stripped() -> None:
    items = parse("google_alerts.xml")
    assert [item.external_id for item in items] == [
        "tag:google.com,2013:googlealerts/feed:12501224780620368192",
        "tag:google.com,2013:googlealerts/feed:9988776655443322110",
        "tag:google.com,2013:googlealerts/feed:1111222233334444555",
    ]
    first = items[0]
    assert first.title == "Parents protest at Calcot Junior School's gates over new uniform rules"
    assert first.url == "https://www.readingchronicle.co.uk/news/2026/11/20/uniform-row/"
    assert first.text.startswith("Dozens of parents gathered outside Calcot Junior School on")
    assert "<b>" not in first.text and "&nbsp;" not in first.text
    assert first.author is None
    assert first.published_at == datetime(2026, 11, 20, 14, 26, 15, tzinfo=UTC)
    assert first.item_type == "entry"
    # An inner URL with its own (percent-encoded) query string comes back whole.
    assert items[1].url == "https://www.example-news.co.uk/story?id=42&page=2"
    assert items[2].url == (
        "https://www.mumsnet.com/talk/primary_education/5412345-calcot-infant-reception?utm_source=x"
    )


def test_atom_entries_keep_content_text_and_drop_unsafe_links() -> None:
    items = parse("atom.xml")
    assert len(items) == 3
    ofsted = items[0]
    assert ofsted.title == "Ofsted visit for Calcot Infant School"
    assert ofsted.text == (
        "Inspectors visited Calcot Infant School this week. The report is due soon."
    )
    assert ofsted.author == "A. Reporter"
    assert ofsted.url == "https://blog.example.org/2026/11/ofsted-calcot"
    script_link = next(item for item in items if item.title == "Link with a script scheme")
    assert script_link.url is None


def test_rss_duplicates_collapse_and_entries_without_ids_get_a_content_hash() -> None:
    items = parse("rss2.xml")
    ids = [item.external_id for item in items]
    assert ids.count("reading-news-1001") == 1
    assert len(items) == 3
    nativity = next(item for item in items if "nativity" in (item.title or ""))
    assert nativity.external_id.startswith("sha256:")
    assert nativity.url is None
    head = next(item for item in items if item.external_id == "reading-news-1001")
    assert head.author == "Newsdesk"
    assert head.text == "After 12 years, the head of Calcot Junior School will retire in July."
    assert head.published_at == datetime(2026, 11, 23, 10, 15, tzinfo=UTC)
    # Parsing is stable: the hash id is the same on the next poll.
    assert nativity.external_id in [item.external_id for item in parse("rss2.xml")]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("error_page.html", "got an HTML page"), ("truncated.xml", "malformed feed")],
)
def test_not_a_feed_is_a_format_error(name: str, expected: str) -> None:
    with pytest.raises(SourceFormatError, match=expected):
        parse(name)


def test_an_empty_feed_is_no_entries_not_an_error() -> None:
    assert parse("empty_atom.xml") == []


def test_plain_text_keeps_words_whole_and_separates_blocks() -> None:
    assert plain_text("Calc<b>ot</b> &amp; <i>friends</i>") == "Calcot & friends"
    assert plain_text("<p>One.</p><p>Two.</p>") == "One. Two."
    assert plain_text("St Example&amp;#39;s") == "St Example's"


def test_real_link_falls_back_to_the_raw_query() -> None:
    assert real_link("https://www.google.com/url?rct=j&sa=t&url=https://a.example/x&ct=ga") == (
        "https://a.example/x"
    )
    assert real_link("ftp://files.example/x") is None
    assert real_link("") is None


@pytest.fixture
def served(server: LoopbackServer) -> Iterator[LoopbackServer]:
    server.route("/alerts.xml", Reply.fixture("feed/google_alerts.xml", ATOM, etag='"v1"'))
    server.route("/news.rss", Reply.fixture("feed/rss2.xml", "application/rss+xml"))
    server.route("/broken", Reply.fixture("feed/error_page.html", "text/html"))
    server.route("/down", Reply(status=500, body=b"oops"))
    yield server


def test_fetch_then_conditional_refetch_makes_one_request_and_finds_nothing(
    served: LoopbackServer,
) -> None:
    config = feed_config(url=f"{served.url}/alerts.xml")
    first = run_fetch(config)
    assert len(first.items) == 3
    assert first.etag == '"v1"'
    second = run_fetch(config, SourceState(name="news", etag=first.etag))
    assert second.items == []
    assert second.etag == '"v1"'
    requests = served.requests_to("/alerts.xml")
    assert len(requests) == 2
    assert requests[1].headers.get("If-None-Match") == '"v1"'


def test_match_aliases_keeps_only_entries_naming_the_school(served: LoopbackServer) -> None:
    everything = run_fetch(feed_config(url=f"{served.url}/news.rss"))
    kept = run_fetch(feed_config(url=f"{served.url}/news.rss", match_aliases=True))
    assert len(everything.items) == 3
    assert sorted(item.title or "" for item in kept.items) == [
        "Calcot Junior School head announces retirement",
        "No link, no guid: calcot infants nativity",
    ]


def test_html_instead_of_a_feed_is_a_format_error(served: LoopbackServer) -> None:
    with pytest.raises(SourceFormatError, match="HTML page"):
        run_fetch(feed_config(url=f"{served.url}/broken"))


def test_secret_feed_url_is_named_by_host_only(
    served: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret_path = "/down?alert=17849810695950872924-SECRET"
    monkeypatch.setenv("TEST_ALERT_URL", served.url + secret_path)
    config = feed_config(url_env="TEST_ALERT_URL")
    with pytest.raises(SourceUnavailableError) as caught:
        run_fetch(config)
    message = str(caught.value)
    assert message.startswith("127.0.0.1")
    assert "SECRET" not in message and "/down" not in message
    assert "SECRET" not in repr(config) and "SECRET" not in config.model_dump_json()


def test_feed_config_needs_exactly_one_url() -> None:
    with pytest.raises(ValueError, match="exactly one of url"):
        feed_config()
    with pytest.raises(ValueError, match="exactly one of url"):
        feed_config(url="https://a.example/feed", url_env="HOME")
