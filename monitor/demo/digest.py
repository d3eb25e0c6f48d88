"""A one-page HTML summary of what the demo stored (escaped text, http(s) links only).

This stands in for the mail digest until `monitor.mail.digest` is merged; the demo then writes
the real digest instead (see `monitor.demo.run_demo`).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from urllib.parse import urlsplit

from monitor.model import Mention


def safe_link(url: str | None) -> str | None:
    """The URL if it is http or https (anything else could run script), else None."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return url
    return None


def summary_html(school: str, mentions: Sequence[Mention]) -> str:
    """An HTML page listing `mentions` by source: title or text, score, labels, link."""
    rows = []
    for found in mentions:
        link = safe_link(found.url)
        headline = escape(found.title or found.text[:120] or "(no text)")
        if link is not None:
            headline = f'<a href="{escape(link, quote=True)}">{headline}</a>'
        score = "" if found.sentiment is None else f"{found.sentiment.compound:+.2f}"
        rows.append(
            "<tr>"
            f"<td>{escape(found.source)}</td><td>{escape(found.item_type)}</td>"
            f"<td>{headline}</td><td>{score}</td><td>{escape(', '.join(found.labels))}</td>"
            "</tr>"
        )
    body = "\n".join(rows) or '<tr><td colspan="5">Nothing new.</td></tr>'
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>What was said about {escape(school)}</title></head>\n"
        '<body style="font-family: Arial, sans-serif">\n'
        f"<h1>What was said about {escape(school)}</h1>\n"
        f"<p>{len(mentions)} mentions (demo data)</p>\n"
        '<table cellpadding="4" border="1" style="border-collapse: collapse">\n'
        "<tr><th>source</th><th>item</th><th>mention</th><th>score</th><th>labels</th></tr>\n"
        f"{body}\n</table>\n</body></html>\n"
    )
