"""Requests to Mumsnet: robots.txt honoured, one at a time, a page budget per poll, refusals noted.

Every page goes through the shared client with `robots=True`; the client spaces requests to the
host by `request_delay` and lets one run at a time (`set_host_policy` in `fetch`). A 403 or 429
is not the client's ordinary error here: it becomes `Refused`, and the adapter backs off for at
least 30 minutes, counting refusals in a row in its cursor (twice in a row: `blocked`). The body
of a refusal is read too (within the client's byte cap, as any page is): a 403 that is a bot
challenge, a consent wall or a login form says the site refuses us, and is `blocked` at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sources.errors import SourceBlockedError, SourceRateLimitedError
from sources.http import PoliteClient, Response
from sources.http.hosts import retry_deadline
from sources.http.robots import RobotsDisallowedError
from sources.mumsnet.parse import is_blocked_page

MIN_BACKOFF = timedelta(minutes=30)
REFUSAL_STATUSES = (403, 429)
# Only a 403's body is judged: Cloudflare's own rate-limit page (error 1015, sent with 429) is
# titled "Access denied" too, and a 429 is a request to slow down whatever its body says.
REFUSAL_PAGE_STATUSES = (403,)
GONE_STATUSES = (404, 410)  # a thread removed by MNHQ; the caller decides what it means
ACCEPT_HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"}


class Refused(Exception):
    """Mumsnet answered 403 or 429; never leaves the adapter."""

    def __init__(
        self, label: str, status: int, retry_after: str | None, *, page_shown: bool = False
    ) -> None:
        super().__init__(f"{label}: HTTP {status}")
        self.label = label
        self.status = status
        self.retry_after = retry_after
        self.page_shown = page_shown  # the body is a bot challenge, consent wall or login form


class RefusedRateLimitedError(SourceRateLimitedError):
    """A first 403/429: not asked again before `retry_at`; `cursor` counts the refusal."""

    def __init__(self, message: str, retry_at: datetime, cursor: Mapping[str, Any]) -> None:
        super().__init__(message, retry_at)
        self.cursor = cursor


class RefusedBlockedError(SourceBlockedError):
    """403/429 again after backing off: the site refuses us (health: blocked)."""

    def __init__(self, message: str, retry_at: datetime, cursor: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.retry_at = retry_at
        self.cursor = cursor


def backoff_until(refused: Refused, now: datetime) -> datetime:
    """When to ask again after a refusal: Retry-After if longer, never sooner than 30 minutes."""
    asked = retry_deadline(refused.retry_after, now, MIN_BACKOFF.total_seconds())
    return max(asked, now + MIN_BACKOFF)


@dataclass
class Site:
    """Page requests to one Mumsnet site within a poll's page budget."""

    http: PoliteClient
    base_url: str
    budget: int
    pages_requested: int = 0

    @property
    def exhausted(self) -> bool:
        """True once `max_pages_per_poll` pages have been asked for."""
        return self.pages_requested >= self.budget

    async def page(self, url: str, *, skip_disallowed: bool) -> Response | None:
        """A page (2xx, or 404/410 for the caller to judge); None when robots.txt disallows it
        and `skip_disallowed` is set. A 403 or 429 raises Refused."""
        self.pages_requested += 1
        try:
            response = await self.http.get(
                url,
                robots=True,
                headers=ACCEPT_HTML,
                ok_statuses=(*REFUSAL_STATUSES, *GONE_STATUSES),
            )
        except RobotsDisallowedError:
            if skip_disallowed:
                self.pages_requested -= 1  # nothing was sent
                return None
            raise
        if response.status in REFUSAL_STATUSES:
            page_shown = response.status in REFUSAL_PAGE_STATUSES and await asyncio.to_thread(
                is_blocked_page, response.text
            )
            retry_after = response.headers.get("Retry-After")
            raise Refused(response.label, response.status, retry_after, page_shown=page_shown)
        return response
