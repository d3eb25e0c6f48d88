"""Any RSS or Atom feed (Google Alerts, local news), parsed by feedparser from our own fetch.

Google Alerts entries link through a google.com redirect: the real article URL is its `url` query
parameter. Their titles and snippets carry `<b>` around the matched words; both are reduced to
plain text. Entries are identified by their id, else their link, else a hash of their content.
A Google Alerts feed URL is a bearer secret, so it may come from `url_env`/`url_file`/
`url_credential`; such a URL is then named in errors by its host only.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import feedparser
from bs4 import BeautifulSoup
from pydantic import Field, HttpUrl, model_validator

from monitor.model import FetchResult, Item, SourceState
from monitor.secrets import CredentialRef, EnvRef, FileRef
from sources.base import SourceConfig, register
from sources.errors import SourceFormatError
from sources.http import PoliteClient
from sources.matching import AliasMatcher

MAX_TEXT = 20_000  # characters kept of one entry; feeds sometimes carry whole articles
_BLOCK_TAGS = ["br", "p", "div", "li", "tr", "td", "h1", "h2", "h3", "h4", "blockquote"]
_GOOGLE_REDIRECT = re.compile(r"[?&]url=(.*?)&ct=ga")


class FeedConfig(SourceConfig):
    """An RSS or Atom feed."""

    url: HttpUrl | None = Field(None, description="The feed's URL (for a non-secret feed).")
    url_env: EnvRef | None = Field(None, description="Environment variable holding the feed URL.")
    url_file: FileRef | None = Field(None, description="File (mode 600) holding the feed URL.")
    url_credential: CredentialRef | None = Field(
        None, description="systemd credential name holding the feed URL."
    )
    match_aliases: bool = Field(
        False, description="Keep only entries that name the school (for general news feeds)."
    )

    secret_names = ("url",)

    @model_validator(mode="after")
    def _one_url(self) -> FeedConfig:
        given = [self.url, self.url_env, self.url_file, self.url_credential]
        if sum(value is not None for value in given) != 1:
            raise ValueError("give exactly one of url, url_env, url_file, url_credential")
        return self

    def feed_url(self) -> tuple[str, str | None]:
        """The URL to fetch and the label errors use (its host only when the URL is a secret)."""
        if self.url is not None:
            return str(self.url), None
        secret = self.secret("url")
        assert secret is not None  # guaranteed by _one_url
        url = secret.reveal()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # The value is secret: say what is wrong without repeating it.
            raise SourceFormatError("the secret feed URL is not an http(s) URL")
        return url, parts.hostname


@register("feed", FeedConfig)
async def fetch(http: PoliteClient, config: FeedConfig, state: SourceState) -> FetchResult:
    """The feed's current entries, or nothing when it is unchanged since the last poll (304)."""
    url, label = config.feed_url()
    response = await http.get(
        url,
        etag=state.etag,
        last_modified=state.last_modified,
        label=label,
        headers={"Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9"},
    )
    if response.not_modified:
        return FetchResult([], state.cursor, state.etag, state.last_modified, requests=1)
    items = parse_feed(response.content, label=response.label)
    if config.match_aliases:
        matcher = AliasMatcher(config.aliases)
        items = [item for item in items if matcher.matches(item.title, item.text)]
    return FetchResult(
        items,
        state.cursor,
        response.etag or None,
        response.last_modified or None,
        requests=1,
    )


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
    external_id = entry.get("id") or link or _content_hash(title, text)
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


def plain_text(markup: str) -> str:
    """Readable text from an HTML fragment: tags and entities gone, whitespace collapsed."""
    if "<" in markup or "&" in markup:
        soup = BeautifulSoup(markup, "html.parser")
        # Inline tags (<b> around matched words) must not split words; block tags must.
        for tag in soup.find_all(_BLOCK_TAGS):
            tag.insert_before(" ")
            tag.insert_after(" ")
        markup = html.unescape(soup.get_text(""))  # Google Alerts double-escapes (&amp;#39;)
    return " ".join(markup.split())


def _entry_time(entry: Any) -> datetime | None:
    parsed: time.struct_time | None = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)


def _published_key(item: Item) -> tuple[float, str]:
    moment = item.published_at.timestamp() if item.published_at else 0.0
    return (moment, item.external_id)


def _content_hash(*parts: str) -> str:
    return "sha256:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
