"""URLs the client will fetch, the labels that stand for them in messages, and their origins.

A label is host + path and never the query string, where tokens travel; a caller whose path is
itself a secret (a Google Alerts feed) passes its own label instead.
"""

from __future__ import annotations

import httpx

from sources.errors import SourceUnavailableError


def parse_url(url: str, label: str | None) -> httpx.URL:
    """`url` parsed, if it is an http or https URL with a host; else SourceUnavailableError."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise SourceUnavailableError(f"{label or 'request'}: invalid URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise SourceUnavailableError(f"{label or 'request'}: only http and https URLs are fetched")
    return parsed


def default_label(url: httpx.URL) -> str:
    """Host and path, without the query string where tokens travel."""
    return f"{url.host}{url.path}"


def origin_of(url: httpx.URL) -> str:
    """scheme://host:port, with the default port filled in."""
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.scheme}://{url.host}:{port}"
