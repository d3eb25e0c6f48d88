"""What an entry becomes: Google Alerts unwrapped, Atom and RSS as plain text, aliases matched."""

from __future__ import annotations

from datetime import UTC, datetime

from sources.common.text import plain_text
from tests.loopback import LoopbackServer
from tests.sources.feed.support import feed_config, parse, run_fetch


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


def test_plain_text_keeps_words_whole_and_separates_blocks() -> None:
    assert plain_text("Calc<b>ot</b> &amp; <i>friends</i>") == "Calcot & friends"
    assert plain_text("<p>One.</p><p>Two.</p>") == "One. Two."
    assert plain_text("St Example&amp;#39;s") == "St Example's"


def test_match_aliases_keeps_only_entries_naming_the_school(served: LoopbackServer) -> None:
    everything = run_fetch(feed_config(url=f"{served.url}/news.rss"))
    kept = run_fetch(feed_config(url=f"{served.url}/news.rss", match_aliases=True))
    assert len(everything.items) == 3
    assert sorted(item.title or "" for item in kept.items) == [
        "Calcot Junior School head announces retirement",
        "No link, no guid: calcot infants nativity",
    ]
