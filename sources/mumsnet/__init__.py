"""Mumsnet Talk: threads about the school, found without the site search and followed politely.

Discovery (`discovery.py`): configured thread URLs, topic listing pages matched against the
school's names, and discovery feeds (a Google Alert on site:mumsnet.com). Reading
(`threads.py`): each followed thread's pages, re-reading only its last page once read to the end.
Parsing (`parse.py`, every selector in one place) runs off the event loop; `poll.py`
puts discovery and reading together, and is imported only when a poll runs. Requests
(`site.py`): robots.txt honoured, one at a time to the host, `request_delay` apart, at most
`max_pages_per_poll` pages a poll (the rest next poll, noted in the cursor), 403/429 backed off
for at least 30 minutes and `blocked` when it happens again, or at once when the 403's body is a
bot challenge, consent wall or login form. What it remembers: `cursor.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.model import FetchResult, SourceState
from monitor.times import utc_iso
from sources.base import register
from sources.capabilities import UPGRADE, Advice, Capabilities, Remedies
from sources.errors import SourceRateLimitedError
from sources.mumsnet.config import MumsnetConfig

if TYPE_CHECKING:
    from sources.http import PoliteClient

__all__ = ["CAPABILITIES", "MumsnetConfig", "fetch"]

CAPABILITIES = Capabilities(
    advice=Advice(
        respond="Do not post in the thread as the school; parents are invited to raise concerns"
        " with the school directly. If the thread misstates a fact, contact Mumsnet HQ.",
        remove="Report the post to Mumsnet with the Report link under it (or contactus@"
        "mumsnet.com): its Talk Guidelines forbid naming or identifying individuals.",
    ),
    remedies=Remedies(
        auth_expired="Mumsnet needs no login: the last error says what refused us"
        " (docs/sources/mumsnet.md, Politeness settings)",
        blocked="Mumsnet refuses us (robots.txt, a bot check, a consent or login page): read the"
        " last error before it carries on, and do not lower request_delay"
        " (docs/sources/mumsnet.md, Politeness settings)",
        parser_broken="Mumsnet changed its pages (docs/sources/mumsnet.md, When Mumsnet changes"
        " its pages): " + UPGRADE,
    ),
    respond_instead="Mumsnet takes no replies or hiding from the monitor, and the policy advises"
    ' against arguing in a thread: use "Report" on the post for Mumsnet\'s moderators if it'
    " breaks their Talk Guidelines, then record it with `monitor alerts action ID"
    " reported_to_platform`",
)


@register("mumsnet", MumsnetConfig, CAPABILITIES)
async def fetch(http: PoliteClient, config: MumsnetConfig, state: SourceState) -> FetchResult:
    """New threads and new posts naming the school; the cursor says where each thread was left."""
    # Imported here: loading the config (every command) must not load what fetching needs.
    from sources.mumsnet.cursor import MumsnetCursor
    from sources.mumsnet.poll import poll, refusal_error
    from sources.mumsnet.site import MIN_BACKOFF, Refused, Site

    now = http.now()
    cursor = MumsnetCursor.from_json(state.cursor)
    retry_at = cursor.refusals.retry_at
    if retry_at is not None and now < retry_at:
        message = (
            f"{config.host}: backing off after HTTP 403/429 until {utc_iso(retry_at, 'seconds')}"
        )
        raise SourceRateLimitedError(message, retry_at)
    http.set_host_policy(config.host, concurrency=1, delay=config.request_delay.total_seconds())
    site = Site(http, config.base_url, config.max_pages_per_poll)
    before = http.requests_made
    try:
        items, saved, skipped = await poll(site, config, cursor, now)
    except Refused as refused:
        raise refusal_error(refused, cursor, now) from None
    except SourceRateLimitedError as error:
        # The client's own 429/503 handling (robots.txt, Retry-After on a 503): Mumsnet still
        # gets at least the half hour a refused page gets. Another host keeps its own wait.
        if http.retry_at(config.host) is None or error.retry_at is None:
            raise
        retry_at = max(error.retry_at, now + MIN_BACKOFF)
        message = f"{config.host}: rate limited; backing off until {utc_iso(retry_at, 'seconds')}"
        raise SourceRateLimitedError(message, retry_at) from None
    requests = http.requests_made - before
    return FetchResult(items, saved.to_json(), requests=requests, skipped=skipped)
