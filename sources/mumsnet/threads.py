"""Reading followed threads: which threads to read this poll, and which of their pages.

A thread is read when it was found this poll (any route), when its pages were left unread last
poll (the page budget ran out), or while its last post is less than `follow_days` old. Reading
starts at the thread's `next_page`: page 1 for a new thread, else the last page read (the only
one that can hold new posts), and goes on page by page (`?page=N`) to the last page the
pagination links to, or until a page past the end redirects to another page.

Mumsnet shows the opening post at the top of every page: it is kept once, as the thread's own
mention. Posts already read on the re-read page are skipped by their keys.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from monitor.model import Item
from sources.common.items import SkipTally
from sources.common.words import WordMatcher
from sources.mumsnet.cursor import MumsnetCursor, ThreadState
from sources.mumsnet.discovery import Discovery
from sources.mumsnet.items import post_item, thread_item
from sources.mumsnet.parse import ThreadPage, parse_thread_page
from sources.mumsnet.site import GONE_STATUSES, Site
from sources.mumsnet.urls import page_number, thread_ref, thread_url

# Threads gone quiet are remembered this long after `follow_days`, so one rediscovered later
# is re-read from where it was left rather than from page 1.
RETAIN_AFTER_FOLLOW = timedelta(days=180)


def threads_to_read(
    cursor: MumsnetCursor,
    discovery: Discovery,
    matcher: WordMatcher,
    now: datetime,
    follow_days: int,
) -> list[ThreadState]:
    """Threads to read this poll: left over from last poll first, then new, then followed."""
    known = dict(cursor.threads)
    for thread_id, thread in discovery.found.items():
        if thread_id not in known:
            title = discovery.titles.get(thread_id, "")
            known[thread_id] = ThreadState(thread, title, matcher.matches(title), found_at=now)
    since = now - timedelta(days=follow_days)
    wanted = [
        state
        for state in known.values()
        if not (state.disallowed or state.gone)
        and (
            state.thread.thread_id in discovery.found
            or state.thread.thread_id in cursor.deferred
            or state.active_since >= since
        )
    ]

    def priority(state: ThreadState) -> tuple[int, int]:
        thread_id = state.thread.thread_id
        rank = 0 if thread_id in cursor.deferred else 1 if state.opening_key is None else 2
        return (rank, -thread_id)  # newer threads (higher ids) first within a rank

    return sorted(wanted, key=priority)


def keep_thread(state: ThreadState, discovery: Discovery, now: datetime, follow_days: int) -> bool:
    """True while a thread is worth remembering in the cursor."""
    horizon = now - timedelta(days=follow_days) - RETAIN_AFTER_FOLLOW
    return state.thread.thread_id in discovery.found or state.active_since >= horizon


@dataclass(frozen=True, slots=True)
class ThreadRead:
    """What reading one thread gave: its new state, new mentions, and whether pages remain."""

    state: ThreadState
    items: list[Item]
    finished: bool


@dataclass(frozen=True, slots=True)
class ThreadReader:
    """Reads threads' pages through the site and turns new posts into mentions."""

    site: Site
    matcher: WordMatcher
    now: datetime
    skips: SkipTally = field(default_factory=SkipTally)  # posts that could not be read

    async def read(self, state: ThreadState, routes: Iterable[str]) -> ThreadRead:
        """Pages from `state.next_page` to the end, within the poll's page budget."""
        items: list[Item] = []
        page = state.next_page
        read: set[int] = set()
        while not self.site.exhausted:
            url = thread_url(self.site.base_url, state.thread, page)
            response = await self.site.page(url, skip_disallowed=True)
            if response is None:
                return ThreadRead(replace(state, disallowed=True), items, finished=True)
            if response.status in GONE_STATUSES:
                # Deleted by MNHQ (or moved): nothing more to read; its mentions stay stored.
                return ThreadRead(replace(state, gone=True), items, finished=True)
            shown = self.shown_page(response.url, state)
            if shown is not None and shown != page:
                # A page past the end redirects to another page: that one ends the reading.
                if shown in read or shown > page:
                    return ThreadRead(state, items, finished=True)
                page = shown
            parsed = await asyncio.to_thread(
                parse_thread_page,
                response.text,
                thread=state.thread,
                url=response.url,
                base_url=self.site.base_url,
                now=self.now,
            )
            read.add(page)
            self.skips.add(parsed.skipped)
            state, found = self.absorb(state, replace(parsed, page=page), routes)
            items.extend(found)
            if page >= parsed.last_page:
                return ThreadRead(state, items, finished=True)
            page += 1
            state = replace(state, next_page=page, seen_keys=())
        return ThreadRead(state, items, finished=False)

    def shown_page(self, final_url: str, state: ThreadState) -> int | None:
        """The page of this thread a response shows, None when it is not this thread's page."""
        shown = thread_ref(final_url, self.site.base_url)
        if shown is None or shown.thread_id != state.thread.thread_id:
            return None  # the parser tells a login or consent page from changed markup
        return page_number(final_url)

    def absorb(
        self, state: ThreadState, page: ThreadPage, routes: Iterable[str]
    ) -> tuple[ThreadState, list[Item]]:
        """The thread's state after reading `page`, and the mentions new on it."""
        base_url = self.site.base_url
        title = page.title or state.title
        title_mentions = self.matcher.matches(title)
        opening_key = state.opening_key
        items: list[Item] = []
        if page.page == 1 and page.posts and opening_key is None:
            opening = page.posts[0]
            opening_key = opening.key
            items.append(thread_item(base_url, state.thread, title, opening, routes))
        seen = set(state.seen_keys) if page.page == state.next_page else set()
        for post in page.posts:
            # The opening post repeats at the top of every page: it is the thread's mention.
            if post.key == opening_key or post.key in seen:
                continue
            if title_mentions or self.matcher.matches(post.text):
                items.append(post_item(base_url, state.thread, title, page.page, post))
        moments = [post.posted_at for post in page.posts]
        if state.last_activity is not None:
            moments.append(state.last_activity)
        new_state = replace(
            state,
            title=title,
            title_mentions=title_mentions,
            opening_key=opening_key,
            next_page=page.page,
            seen_keys=tuple(post.key for post in page.posts),
            last_activity=max(moments, default=None),
        )
        return new_state, items
