"""RSS and Atom parsing shared by the feed source and Mumsnet discovery: bytes in, items out.

What reaches feedparser besides the bytes (`FeedOrigin`): the charset of the HTTP Content-Type,
which wins over the XML declaration as RFC 7303 says (a byte-order mark wins over both), and
the feed's final URL after redirects, against which relative links (and `xml:base`) resolve.
Entry ids are kept as the feed wrote them: a relative RSS guid such as `12345` must not become
a different id when the feed moves. When an id may have been resolved (it starts with the feed's
origin), the ids are read again from a parse without the URL.

Google Alerts entries link through a google.com redirect: the real article URL is its `url` query
parameter. Their titles and snippets carry `<b>` around the matched words; title, text and author
are reduced to plain text. Entries are identified by their id, else their link, else a hash of
their title and text, else (an image, an enclosure) of what else tells them apart wherever they
stand in the feed: the body's and summary's markup, enclosures, author, published and updated
times. An entry with none of these is unreadable: it is skipped and counted
(`sources.common.items`), never merged with another.

A body whose encoding neither the HTTP header, a byte-order mark nor the XML declaration names,
and that is not UTF-8 (a Shift_JIS, GBK, EUC-KR or Big5 feed from a badly set-up server), is
decoded by feedparser's guess, which it makes only when `chardet` is installed; without it such
a feed is read as windows-1252 and comes out as mojibake. `chardet` is a dependency for this.

A document with no feed element (an HTML page, an error document) or a feed element that never
closes (a cut-off body) is a SourceFormatError; a whole feed with no entries is no entries, even
when it is not well-formed XML (`&aacute;` in an RSS title).
"""

from __future__ import annotations

import calendar
import codecs
import io
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import feedparser

from monitor.model import Item, Skipped
from sources.common.items import ReadItems, read_each
from sources.common.text import content_hash, plain_text
from sources.errors import SourceFormatError

MAX_TEXT = 20_000  # characters kept of one entry; feeds sometimes carry whole articles
_GOOGLE_REDIRECT = re.compile(r"[?&]url=(.*?)&ct=ga")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE)
# The end tag of a feed's root element: present when the document was not cut off.
_ROOT_END = re.compile(rb"</\s*(?:[\w.-]+:)?(?:rss|feed|RDF|channel)\s*>", re.I)
_TAIL = 4096  # bytes of the end of a body searched for the root's end tag


@dataclass(frozen=True, slots=True)
class FeedOrigin:
    """What the HTTP response says about a feed body: its Content-Type and its final URL."""

    content_type: str = ""
    url: str = ""

    def response_headers(self, *, with_location: bool = True) -> dict[str, str]:
        """The headers feedparser reads: the charset as an XML media type, and the base URL."""
        # Always an XML media type: feedparser would read text/xml without a charset as ASCII
        # (RFC 3023, since replaced by RFC 7303), and flag text/html as not a feed.
        content_type = "application/xml"
        charset = header_charset(self.content_type)
        if charset:
            content_type += f"; charset={charset}"
        headers = {"content-type": content_type}
        if with_location and self.url:
            headers["content-location"] = self.url
        return headers


def header_charset(content_type: str) -> str | None:
    """The charset named in a Content-Type header, if Python knows it."""
    message = Message()
    message["Content-Type"] = content_type
    charset = message.get_content_charset()
    if not charset:
        return None
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def parse_feed(body: bytes, *, label: str, origin: FeedOrigin | None = None) -> list[Item]:
    """Pure: feed bytes → items, newest last (unreadable entries left out; see parse_entries)."""
    return parse_entries(body, label=label, origin=origin).items


def parse_entries(body: bytes, *, label: str, origin: FeedOrigin | None = None) -> ReadItems[Item]:
    """Pure: feed bytes → items, newest last, and the entries skipped as unreadable.

    Raises SourceFormatError when it is not a feed, or when it has entries and none is readable.
    """
    origin = origin or FeedOrigin()
    if body.startswith(_BOMS):
        origin = FeedOrigin("", origin.url)  # RFC 7303: the byte-order mark names the encoding
    # Told the feed's URL, feedparser joins every element against it: a sixth of the parse of
    # a large feed, and ids rewritten as URLs. It needs the URL only to resolve a relative
    # xml:base; otherwise entry links are joined with the final URL below, more cheaply.
    declares_base = b"xml:base" in body
    # A BytesIO, never the bytes: feedparser opens a bytes argument as a file path if it can.
    # Relative links INSIDE entry HTML are not resolved: that HTML becomes plain text.
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers=origin.response_headers(with_location=declares_base),
        resolve_relative_uris=False,
    )
    if not parsed.get("version"):
        # feedparser accepts almost anything; an HTML error page parses as an empty "feed".
        start = body[:200].lstrip().lower()
        what = "an HTML page" if start.startswith((b"<!doctype html", b"<html")) else "not a feed"
        raise SourceFormatError(f"{label}: expected an RSS or Atom feed, got {what}")
    if not parsed.entries:
        if parsed.get("bozo") and not _ROOT_END.search(body[-_TAIL:]):
            # A cut-off document must not read as "no mentions".
            reason = type(parsed.get("bozo_exception")).__name__
            raise SourceFormatError(f"{label}: malformed feed with no readable entries ({reason})")
        return ReadItems([], Skipped())
    if declares_base:
        ids = _entry_ids(body, origin, parsed.entries)
    else:
        ids = [entry.get("id") or None for entry in parsed.entries]
    base = "" if declares_base else origin.url  # feedparser has resolved them already
    read = read_each(
        zip(parsed.entries, ids, strict=True),
        lambda entry, index: _entry_item(entry[0], entry[1], base, f"{label}: entry {index + 1}"),
    )
    items: dict[str, Item] = {}
    for item in read.items:
        items.setdefault(item.external_id, item)
    return ReadItems(sorted(items.values(), key=_published_key), read.skipped)


def _entry_ids(body: bytes, origin: FeedOrigin, resolved: list[Any]) -> list[str | None]:
    """Each entry's id as the feed wrote it, not resolved against the feed's URL."""
    ids = [entry.get("id") or None for entry in resolved]
    parts = urlsplit(origin.url)
    home = f"{parts.scheme}://{parts.netloc}"
    if not parts.netloc or not any(entry_id and entry_id.startswith(home) for entry_id in ids):
        return ids  # an id resolved against the feed's URL would start with its origin
    # Ids only, so skip the HTML sanitising that makes up a third of feedparser's time.
    headers = origin.response_headers(with_location=False)
    entries = feedparser.parse(
        io.BytesIO(body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    ).entries
    if len(entries) != len(resolved):  # the same bytes parse alike; never trust it blindly
        return ids
    return [entry.get("id") or None for entry in entries]


def _entry_item(entry: Any, entry_id: str | None, base: str, name: str) -> Item:
    raw_link = entry.get("link") or ""
    link = real_link(urljoin(base, raw_link) if base and raw_link else raw_link)
    title = plain_text(entry.get("title") or "")
    content = entry.get("content") or []
    body_html = content[0].get("value", "") if content else entry.get("summary") or ""
    text = plain_text(body_html)[:MAX_TEXT]
    external_id = entry_id or link or _derived_id(entry, title, text, body_html, name)
    return Item(
        external_id=external_id,
        item_type="entry",
        text=text or title,
        url=link,
        title=title or None,
        author=plain_text(entry.get("author") or "") or None,
        published_at=_entry_time(entry),
    )


def _derived_id(entry: Any, title: str, text: str, body_html: str, name: str) -> str:
    """A hash id for an entry with neither id nor link: its title and text, else all it holds.

    Title and text are hashed alone, as earlier versions did: the ids they stored stay, and a
    feed that restamps its dates at every build does not make its entries new at every poll.
    An entry with neither is told apart by its body's markup (an image), summary, enclosures,
    author and times, never by its position: it keeps its id when entries are added above it.
    Raises SourceFormatError when the entry holds nothing at all.
    """
    if title or text:
        return content_hash(title, text)
    summary = entry.get("summary") or ""
    enclosures = sorted(
        str(enclosure.get("href") or "")
        for enclosure in entry.get("enclosures") or ()
        if enclosure.get("href")
    )
    others = {
        "html": body_html,  # markup without words: an image, an embed
        "summary": summary if summary != body_html else "",
        "enclosures": " ".join(enclosures),
        "author": entry.get("author") or "",
        "published": entry.get("published") or "",
        # Not entry.get: feedparser answers "updated" with "published" (and a warning).
        "updated": dict.get(entry, "updated") or "",
    }
    present = [f"{key}={value}" for key, value in others.items() if value]
    if not present:
        raise SourceFormatError(f"{name} has nothing to identify it (no id, link, title or text)")
    return content_hash(title, text, *present)


def real_link(link: str) -> str | None:
    """The article a link points to: Google redirects unwrapped; only http(s) links are kept."""
    parts = urlsplit(link)
    if parts.hostname and parts.hostname.endswith("google.com") and parts.path == "/url":
        target = parse_qs(parts.query).get("url", [""])[0]
        if not target:
            match = _GOOGLE_REDIRECT.search(link)
            target = match.group(1) if match else ""
        if target:
            link, parts = target, urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return link


def _entry_time(entry: Any) -> datetime | None:
    parsed: time.struct_time | None = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)


def _published_key(item: Item) -> tuple[float, str]:
    moment = item.published_at.timestamp() if item.published_at else 0.0
    return (moment, item.external_id)
