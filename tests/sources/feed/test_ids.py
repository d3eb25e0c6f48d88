"""Which entry is which: ids, duplicates, and content hashes that outlast new dates and order."""

from __future__ import annotations

from datetime import UTC, datetime

from sources.common.feeds import parse_entries, parse_feed
from sources.common.text import content_hash
from tests.loopback import FIXTURES
from tests.sources.feed.support import NOTICEBOARD, parse


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
