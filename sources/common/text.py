"""Text cleaning shared by adapters: HTML fragments to words, one-line snippets, content hashes."""

from __future__ import annotations

import hashlib
import html

from bs4 import BeautifulSoup

# Tags that separate words when removed; inline tags (<b> around matched words) must not.
BLOCK_TAGS = ["br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "blockquote"]


def plain_text(markup: str) -> str:
    """Readable text from an HTML fragment: tags and entities gone, whitespace collapsed."""
    if "<" in markup or "&" in markup:
        soup = BeautifulSoup(markup, "html.parser")
        for tag in soup.find_all(BLOCK_TAGS):
            tag.insert_before(" ")
            tag.insert_after(" ")
        markup = html.unescape(soup.get_text(""))  # Google Alerts double-escapes (&amp;#39;)
    return " ".join(markup.split())


def one_line(value: object, limit: int = 300) -> str:
    """Text squeezed onto one line, at most `limit` characters."""
    return " ".join(str(value or "").split())[:limit]


def content_hash(*parts: str) -> str:
    """A stable id for content that has none of its own."""
    return "sha256:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
