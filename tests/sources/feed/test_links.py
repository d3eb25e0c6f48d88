"""Links: Google's redirect unwrapped; relative links resolved on xml:base and the final URL."""

from __future__ import annotations

from sources.common.feeds import real_link
from tests.loopback import LoopbackServer, Reply
from tests.sources.feed.support import ATOM, feed_config, parse, run_fetch, serve_fixture


def test_real_link_falls_back_to_the_raw_query() -> None:
    assert real_link("https://www.google.com/url?rct=j&sa=t&url=https://a.example/x&ct=ga") == (
        "https://a.example/x"
    )
    assert real_link("ftp://files.example/x") is None
    assert real_link("") is None


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
