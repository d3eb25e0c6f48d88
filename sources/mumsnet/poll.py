"""One poll of Mumsnet: discover threads, read those due within the page budget, or say why not.

Imported by `sources.mumsnet.fetch` when a poll runs, so that loading the config does not load
the parsers and the HTTP client.
"""

from __future__ import annotations

from datetime import datetime

from monitor.model import Item, Skipped
from monitor.times import utc_iso
from sources.mumsnet.config import MumsnetConfig
from sources.mumsnet.cursor import MumsnetCursor, Refusals
from sources.mumsnet.discovery import discover, school_matcher
from sources.mumsnet.site import (
    Refused,
    RefusedBlockedError,
    RefusedRateLimitedError,
    Site,
    backoff_until,
)
from sources.mumsnet.threads import ThreadReader, keep_thread, threads_to_read


async def poll(
    site: Site, config: MumsnetConfig, cursor: MumsnetCursor, now: datetime
) -> tuple[list[Item], MumsnetCursor, Skipped]:
    """Discover threads, read the ones to read within the page budget.

    Returns the mentions, the new cursor and the posts skipped as unreadable.
    """
    matcher = school_matcher(config.aliases)
    discovery = await discover(
        site,
        threads=config.threads,
        topics=config.topics,
        pages_per_topic=config.pages_per_topic,
        feeds=config.feed_urls(),
        matcher=matcher,
    )
    reader = ThreadReader(site, matcher, now)
    states = dict(cursor.threads)
    items: list[Item] = []
    deferred: list[int] = []
    for state in threads_to_read(cursor, discovery, matcher, now, config.follow_days):
        thread_id = state.thread.thread_id
        states.setdefault(thread_id, state)
        if site.exhausted:
            deferred.append(thread_id)  # read next poll, before anything else
            continue
        read = await reader.read(state, discovery.routes.get(thread_id, ()))
        states[thread_id] = read.state
        items.extend(read.items)
        if not read.finished:
            deferred.append(thread_id)
    kept = {
        thread_id: state
        for thread_id, state in states.items()
        if keep_thread(state, discovery, now, config.follow_days)
    }
    saved = MumsnetCursor(kept, tuple(deferred), discovery.incomplete, Refusals())
    return items, saved, reader.skips.skipped


def refusal_error(
    refused: Refused, cursor: MumsnetCursor, now: datetime
) -> RefusedRateLimitedError | RefusedBlockedError:
    """Blocked for a 403 challenge/consent/login page or a refusal after backing off; else wait."""
    retry_at = backoff_until(refused, now)
    # The cursor from before this poll, plus the refusal: nothing read in it is lost.
    saved = cursor.refused(retry_at).to_json()
    if refused.page_shown:
        # The body says why: waiting will not help, a person must look (blocked at once).
        message = (
            f"{refused.label}: HTTP {refused.status} with a consent, login or bot-check page; "
            "Mumsnet is refusing the monitor"
        )
        return RefusedBlockedError(message, retry_at, saved)
    if cursor.refusals.count >= 1:
        message = (
            f"{refused.label}: HTTP {refused.status} again after backing off "
            f"({cursor.refusals.count + 1} in a row); Mumsnet is refusing the monitor"
        )
        return RefusedBlockedError(message, retry_at, saved)
    message = (
        f"{refused.label}: HTTP {refused.status}; backing off until {utc_iso(retry_at, 'seconds')}"
    )
    return RefusedRateLimitedError(message, retry_at, saved)
