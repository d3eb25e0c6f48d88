"""The feed adapter: golden parses of Atom, RSS 2.0 and Google Alerts, and fetches over loopback."""

from __future__ import annotations

import asyncio
import codecs
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config.settings import load
from monitor.model import FetchResult, SourceState
from monitor.scan.scanner import ScanReport, run_scan
from sources.common.feeds import FeedOrigin, parse_entries, parse_feed, real_link
from sources.common.text import content_hash, plain_text
from sources.errors import SourceFormatError, SourceUnavailableError
from sources.feed import FeedConfig, fetch
from sources.http import PoliteClient
from storage import scan_runs
from storage.database import Store
from tests.commands import monitor, statuses, stored_ids
from tests.configs import write_config
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


# Real-world shapes: charsets, relative links, empty feeds, escaped authors


def serve_fixture(server: LoopbackServer, path: str, name: str, content_type: str) -> str:
    """Serve a feed fixture at `path` with this Content-Type; returns its URL."""
    server.route(path, Reply.fixture(f"feed/{name}", content_type))
    return server.url + path


@pytest.mark.parametrize(
    ("name", "content_type", "title", "text"),
    [
        (
            "koi8r_header_charset.rss",
            "application/rss+xml; charset=KOI8-R",
            "Школа закрыта из-за снега",
            "Школа Calcot Junior School закрыта в понедельник.",
        ),
        (
            "windows1252_header_charset.rss",
            "text/xml; charset=windows-1252",
            "Calcot’s café raises £2,000 for the “Junior School” library",
            "Parents’ cake sale – £2,000 raised, says Mrs Müller.",
        ),
    ],
)
def test_a_charset_named_only_in_the_header_decodes_the_feed(
    server: LoopbackServer, name: str, content_type: str, title: str, text: str
) -> None:
    # Neither file names its encoding in the XML declaration: only the HTTP header does.
    assert b"encoding=" not in (FIXTURES / "feed" / name).read_bytes()[:100]
    (item,) = run_fetch(feed_config(url=serve_fixture(server, "/feed", name, content_type))).items
    assert (item.title, item.text) == (title, text)


def test_the_header_charset_overrides_a_wrong_declaration_but_not_a_byte_order_mark() -> None:
    body = (FIXTURES / "feed" / "koi8r_header_charset.rss").read_bytes()
    declared = body.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="utf-8"?>')
    origin = FeedOrigin("text/xml; charset=koi8-r", "https://novosti.example.ru/rss")
    assert parse_feed(declared, label="x", origin=origin)[0].title == "Школа закрыта из-за снега"
    utf8 = body.decode("koi8-r").encode("utf-8")
    bom = codecs.BOM_UTF8 + utf8
    assert parse_feed(bom, label="x", origin=origin)[0].title == "Школа закрыта из-за снега"


def test_a_text_xml_feed_without_charset_is_read_by_its_declaration() -> None:
    # RFC 3023 made such a feed ASCII; RFC 7303 (and every browser) reads the declaration.
    origin = FeedOrigin("text/xml", "https://blog.example.org/feed")
    (ofsted, *_) = parse_feed(
        (FIXTURES / "feed" / "atom.xml").read_bytes(), label="x", origin=origin
    )
    assert ofsted.title == "Ofsted visit for Calcot Infant School"
    fundraiser = parse_feed(
        (FIXTURES / "feed" / "atom.xml").read_bytes(), label="x", origin=origin
    )[-1]
    assert fundraiser.text == "Calcot Schools fundraising day raises £2,000."


def test_links_resolve_against_xml_base_and_authors_are_plain_text(server: LoopbackServer) -> None:
    url = serve_fixture(server, "/pta/atom.xml", "xml_base.atom", ATOM)
    fair, chair = run_fetch(feed_config(url=url)).items
    # xml:base="/blog/" on the feed, "2026/" on the entry, both relative to the feed's own URL.
    assert fair.url == f"{server.url}/blog/2026/christmas-fair"
    assert fair.external_id == "tag:calcot-pta.example,2026:post-81"
    assert fair.author == "Name <me@example.com>"
    assert fair.text == "Calcot Junior School hall, 12 December. Book a stall."
    assert chair.url == "https://www.readingchronicle.example.co.uk/news/2026/11/26/pta-chair"


def test_relative_links_resolve_against_the_final_url_after_redirects(
    server: LoopbackServer,
) -> None:
    server.route("/old-feed", Reply(status=301, headers={"Location": "/feeds/news.rss"}))
    serve_fixture(server, "/feeds/news.rss", "root_relative.rss", "application/rss+xml")
    fair, tickets = run_fetch(feed_config(url=f"{server.url}/old-feed")).items
    assert fair.url == f"{server.url}/news/fair-2026"
    # No guid: the resolved link is the id, so an edit of the entry is not a new mention.
    assert fair.external_id == f"{server.url}/news/fair-2026"
    # Relative to the feed's final URL (/feeds/), not the configured one (/).
    assert tickets.url == f"{server.url}/feeds/items/nativity-tickets"
    # A guid is kept as the feed wrote it: were it resolved, moving the feed would change it.
    assert tickets.external_id == "1234"


def test_without_a_base_url_relative_links_are_dropped_not_kept_half() -> None:
    items = parse("root_relative.rss")
    assert [item.url for item in items] == [None, None]


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


def scan_once(config_path: Path) -> ScanReport:
    """One `monitor scan` of the config at `config_path` through a real client and database."""
    config = load(config_path)
    store = Store.open(config.storage.url)

    async def go() -> ScanReport:
        async with PoliteClient(contact="t@example.org", timeout=5, backoff=0.01) as http:
            return await run_scan(config, store, http)

    try:
        return asyncio.run(go())
    finally:
        store.close()


def test_after_a_failed_poll_the_next_is_conditional_on_the_last_success(
    server: LoopbackServer, sqlite_url: str, tmp_path: Path
) -> None:
    validators = {"ETag": '"v1"', "Last-Modified": "Mon, 30 Nov 2026 09:00:00 GMT"}
    good = Reply.fixture("feed/atom.xml", ATOM, headers=validators)
    # A login wall answering 200 with its own validators: they belong to no feed.
    wall = Reply.fixture("feed/error_page.html", "text/html", headers={"ETag": '"wall"'})
    unchanged = Reply(status=304, headers={"ETag": '"v1"'})
    server.route("/feed", good, Reply(status=500), Reply(status=500), Reply(status=500), wall)
    path = write_config(
        tmp_path,
        storage_url=sqlite_url,
        sources={"news": {"type": "feed", "url": f"{server.url}/feed"}},
    )
    assert [outcome.status for outcome in scan_once(path).outcomes] == ["ok"]
    assert scan_once(path).outcomes[0].status == "failed"  # 500 three times
    assert scan_once(path).outcomes[0].status == "failed"  # the HTML page
    server.route("/feed", unchanged)
    assert scan_once(path).outcomes[0].status == "ok"
    requests = server.requests_to("/feed")
    assert len(requests) == 1 + 3 + 1 + 1
    assert "If-None-Match" not in requests[0].headers
    for request in requests[1:]:
        assert request.headers.get("If-None-Match") == '"v1"'
        assert request.headers.get("If-Modified-Since") == "Mon, 30 Nov 2026 09:00:00 GMT"


# One unreadable entry costs only itself; entries without id or link stay apart


NOTICEBOARD = "entries_without_id_link_title_or_text.rss"


def test_entries_with_no_id_link_title_or_text_stay_apart_and_an_empty_one_is_skipped() -> None:
    body = (FIXTURES / "feed" / NOTICEBOARD).read_bytes()
    read = parse_entries(body, label="calcot-jun.example.sch.uk")
    # Two photos of notices (told apart by their image and time), two newsletters (by their
    # enclosure): four entries, four mentions. The fifth has nothing at all.
    assert len(read.items) == 4
    assert len({item.external_id for item in read.items}) == 4
    assert sorted(str(item.published_at) for item in read.items) == [
        "2026-11-20 09:00:00+00:00",
        "2026-11-27 06:30:00+00:00",
        "None",
        "None",
    ]
    assert [item.author for item in read.items].count("School office") == 2
    assert read.skipped.count == 1
    assert read.skipped.reasons == (
        "calcot-jun.example.sch.uk: entry 5 has nothing to identify it (no id, link, title or"
        " text)",
    )
    # Where an entry stands in the feed is not part of its id: new entries above it change none.
    items = body.split(b"<item>")
    reordered = b"<item>".join([items[0], items[4], items[2], items[1], items[3], items[5]])
    again = parse_entries(reordered, label="calcot-jun.example.sch.uk")
    assert {item.external_id for item in again.items} == {item.external_id for item in read.items}


def test_an_entry_with_a_title_keeps_its_id_whatever_its_date_says() -> None:
    # Title and text alone hash as before: upgrading does not make old entries new again, and a
    # feed that restamps every entry's date at each build does not make them new at each poll.
    body = (FIXTURES / "feed" / "rss2.xml").read_bytes()
    title = b"<title>No link, no guid: calcot infants nativity</title>"
    (nativity,) = [item for item in parse("rss2.xml") if "nativity" in (item.title or "")]
    assert nativity.external_id == content_hash(nativity.title or "", nativity.text)
    for stamp in (b"Mon, 30 Nov 2026 09:00:00 GMT", b"Tue, 01 Dec 2026 09:00:00 GMT"):
        dated = body.replace(title, title + b"<pubDate>" + stamp + b"</pubDate>")
        (again,) = [item for item in parse_feed(dated, label="x") if item.url is None]
        assert again.published_at is not None
        assert again.external_id == nativity.external_id


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


# Legacy multi-byte encodings named nowhere: feedparser guesses them only with chardet


@pytest.mark.parametrize(
    ("name", "title", "text"),
    [
        (
            "shift_jis_undeclared.rss",
            "カルコット校での保護者説明会について",
            "十一月二十八日（土）午前十時から、カルコット校の体育館で保護者説明会を行います。"
            "新しい校長先生からのご挨拶と、来年度の授業計画についての説明があります。",
        ),
        (
            "gbk_undeclared.rss",
            "卡尔科特学校家长会通知",
            "十一月二十八日星期六上午十点，卡尔科特学校将在体育馆举行家长会。"
            "新校长将介绍明年的教学计划，欢迎各位家长参加。",
        ),
        (
            "big5_undeclared.rss",
            "卡爾科特學校家長會通知",
            "十一月二十八日星期六上午十點，卡爾科特學校將在體育館舉行家長會。"
            "新校長將介紹明年的教學計劃，歡迎各位家長參加。",
        ),
        (
            "euc_kr_undeclared.rss",
            "캘콧 학교 학부모 설명회 안내",
            "십일월 이십팔일 토요일 오전 열시에 캘콧 학교 강당에서 학부모 설명회를 엽니다. "
            "새 교장 선생님의 인사와 내년도 수업 계획에 대한 설명이 있습니다.",
        ),
    ],
)
def test_a_feed_in_a_legacy_encoding_named_nowhere_is_decoded(
    server: LoopbackServer, name: str, title: str, text: str
) -> None:
    body = (FIXTURES / "feed" / name).read_bytes()
    assert b"encoding=" not in body[:100]  # neither the declaration nor the header names it
    url = serve_fixture(server, "/feed", name, "application/rss+xml")
    first = run_fetch(feed_config(url=url)).items[0]
    assert (first.title, first.text) == (title, text)
