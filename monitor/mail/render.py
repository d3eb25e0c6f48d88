"""The mail templates (Jinja2) and the values they show: scraped text stays text.

HTML templates are rendered with autoescape on, so every scraped string is escaped; the only
markup is ours. A link is shown as a link only when `safe_link` accepts it: an absolute http(s)
URL with a host, no user info and no whitespace or control characters (`java\\tscript:`,
`data:` and friends are dropped). A URL refused only for its user info
(`http://calcot.example@evil.example/` goes to evil.example) is shown as text naming its real
host, any password in it masked. Plain-text templates are rendered without escaping: they are
not HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import jinja2

from monitor.model import Mention

QUOTE_LENGTH = 300
TONE_COLOURS = {
    "negative": "#c01c28",
    "neutral": "#77767b",
    "positive": "#26a269",
    "unscored": "#9a9996",
}
_UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\"'<>\\`]")


@dataclass(frozen=True, slots=True)
class UnlinkedAddress:
    """A URL shown as text, not as a link: user info before its host can pass for the host."""

    text: str  # the URL, any password in it masked
    host: str  # where it really goes


def http_parts(url: str | None) -> SplitResult | None:
    """The parts of an absolute http(s) URL with a host and nothing odd in it, else None."""
    if not url or len(url) > 2000 or _UNSAFE_IN_URL.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return parts


def safe_link(url: str | None) -> str | None:
    """`url` if it may be a link: absolute http(s), a host, no user info, nothing odd."""
    parts = http_parts(url)
    if parts is None or "@" in parts.netloc:
        return None
    return url


def unlinked_address(url: str | None) -> UnlinkedAddress | None:
    """The URL as text, if it was refused as a link only for the user info before its host."""
    parts = http_parts(url)
    if parts is None or "@" not in parts.netloc or parts.hostname is None:
        return None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, colon, _password = userinfo.partition(":")
    masked = parts._replace(netloc=f"{user}{':***' if colon else ''}@{host}")
    return UnlinkedAddress(text=urlunsplit(masked), host=parts.hostname)


def trim(text: str, limit: int = QUOTE_LENGTH) -> str:
    """`text` on one line, cut at a word boundary near `limit` with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(" ,.;:") + "…"


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    """A moment in the school's time zone, as people write it: "Tue 1 Dec 09:15"."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def local_date(moment: datetime, zone: ZoneInfo) -> str:
    """A moment's date in the school's time zone: "Tuesday 1 December 2026"."""
    local = moment.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y}"


@dataclass(frozen=True, slots=True)
class ItemView:
    """What the mail shows of one mention: every field plain text, the link checked."""

    source: str
    item_type: str
    when: str
    title: str | None
    author: str | None
    quote: str
    link: str | None
    address: UnlinkedAddress | None  # a URL shown as text instead of `link`
    score: str | None
    tone: str  # positive | neutral | negative | unscored
    reasons: tuple[str, ...]
    rating: str | None


def item_view(mention: Mention, zone: ZoneInfo) -> ItemView:
    """The view of a mention, its time in the school's zone."""
    sentiment = mention.sentiment
    tone = next(
        (label for label in ("negative", "positive", "neutral") if label in mention.labels),
        "unscored" if sentiment is None else "neutral",
    )
    return ItemView(
        source=mention.source,
        item_type=mention.item_type,
        when=local_time(mention.published_at or mention.first_seen_at, zone),
        title=trim(mention.title, 150) if mention.title else None,
        author=trim(mention.author, 60) if mention.author else None,
        quote=trim(mention.text) if mention.text.strip() else "",
        link=safe_link(mention.url),
        address=unlinked_address(mention.url),
        score=None if sentiment is None else f"{sentiment.compound:+.2f}",
        tone=tone,
        reasons=tuple(trim(word, 40) for word in sentiment.words[:8]) if sentiment else (),
        rating=None if mention.rating is None else f"{mention.rating:g}/5",
    )


# What every template environment of ours shares, the mail's and the web page's: a missing
# value is an error, not an empty string; block tags leave no blank lines behind.
ENVIRONMENT_OPTIONS: dict[str, Any] = {
    "undefined": jinja2.StrictUndefined,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "keep_trailing_newline": True,
}


def add_filters(env: jinja2.Environment) -> None:
    """The filters and globals every template of ours may use."""
    env.filters["safe_link"] = safe_link
    env.filters["trim_text"] = trim
    env.globals["tone_colours"] = TONE_COLOURS


@cache
def environment() -> jinja2.Environment:
    """The template environment: autoescaping for .html templates (and strings), not .txt."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor.mail", "templates"),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html",), disabled_extensions=("txt",), default=True
        ),
        **ENVIRONMENT_OPTIONS,
    )
    add_filters(env)
    return env


def render(name: str, **values: Any) -> str:
    """Render `name` (".html" escaped, ".txt" plain) with `values`."""
    return environment().get_template(name).render(**values)
