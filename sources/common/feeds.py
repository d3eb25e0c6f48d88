"""RSS and Atom parsing shared by the feed source and Mumsnet discovery: bytes in, items out.

Google Alerts entries link through a google.com redirect: the real article URL is its `url` query
parameter. Their titles and snippets carry `<b>` around the matched words; both are reduced to
plain text. Entries are identified by their id, else their link, else a hash of their content.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import feedparser

from monitor.model import Item
from sources.common.text import content_hash, plain_text
from sources.errors import SourceFormatError

MAX_TEXT = 20_000  # characters kept of one entry; feeds sometimes carry whole articles
_GOOGLE_REDIRECT = re.compile(r"[?&]url=(.*?)&ct=ga")


def parse_feed(body: bytes, *, label: str) -> list[Item]:
    """Pure: feed bytes → items, newest last. Raises SourceFormatError when it is not a feed."""
    parsed = feedparser.parse(body)
    if not parsed.get("version"):
        # feedparser accepts almost anything; an HTML error page parses as an empty "feed".
        start = body[:200].lstrip().lower()
        what = "an HTML page" if start.startswith((b"<!doctype html", b"<html")) else "not a feed"
        raise SourceFormatError(f"{label}: expected an RSS or Atom feed, got {what}")
    if parsed.get("bozo") and not parsed.entries:
        # Broken XML that yields nothing must not read as "no mentions".
        reason = type(parsed.get("bozo_exception")).__name__
        raise SourceFormatError(f"{label}: malformed feed with no readable entries ({reason})")
    items: dict[str, Item] = {}
    for entry in parsed.entries:
        item = _entry_item(entry)
        items.setdefault(item.external_id, item)
    return sorted(items.values(), key=_published_key)


def _entry_item(entry: Any) -> Item:
    link = real_link(entry.get("link") or "")
    title = plain_text(entry.get("title") or "")
    content = entry.get("content") or []
    body_html = content[0].get("value", "") if content else entry.get("summary") or ""
    text = plain_text(body_html)[:MAX_TEXT]
    external_id = entry.get("id") or link or content_hash(title, text)
    return Item(
        external_id=external_id,
        item_type="entry",
        text=text or title,
        url=link,
        title=title or None,
        author=(entry.get("author") or "").strip() or None,
        published_at=_entry_time(entry),
    )


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
