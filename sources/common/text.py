"""Text cleaning shared by adapters: HTML fragments to words, one-line snippets, content hashes.

A snippet that goes into an error message (a service's own words, a field value it sent) is made
by `masked_line`, which masks every registered secret before it shortens: a secret cut first is
no longer recognised by the mask, and what is left of it would reach logs, the database and mail.
"""

from __future__ import annotations

import hashlib
import html

from monitor.config.secrets import redact

# Tags that separate words when removed; inline tags (<b> around matched words) must not.
BLOCK_TAGS = ["br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "blockquote"]


def plain_text(markup: str) -> str:
    """Readable text from an HTML fragment: tags and entities gone, whitespace collapsed."""
    if "<" in markup or "&" in markup:
        # Imported here: error paths import this module for `masked_line`, and need no parser.
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(markup, "html.parser")
        for tag in soup.find_all(BLOCK_TAGS):
            tag.insert_before(" ")
            tag.insert_after(" ")
        markup = html.unescape(soup.get_text(""))  # Google Alerts double-escapes (&amp;#39;)
    return " ".join(markup.split())


def one_line(value: object, limit: int = 300) -> str:
    """Text squeezed onto one line, at most `limit` characters (for error text: `masked_line`)."""
    return " ".join(str(value or "").split())[:limit]


def masked_line(value: object, limit: int) -> str:
    """Text for an error message: one line, every secret masked, then cut to `limit` with "…"."""
    line = redact(" ".join(str(value or "").split()))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def content_hash(*parts: str) -> str:
    """A stable id for content that has none of its own."""
    return "sha256:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
