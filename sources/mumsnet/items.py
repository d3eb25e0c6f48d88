"""Thread and post mentions built from parsed pages.

A newly found thread is one `thread` item: its title, the opening post's text and author, its
topic and how it was found. A new post is a `post` item whose parent is its thread's item.
"""

from __future__ import annotations

from collections.abc import Iterable

from monitor.model import Item, ItemType
from sources.mumsnet.parse import Post
from sources.mumsnet.urls import ThreadRef, thread_url

MAX_TEXT = 20_000  # characters kept of one post


def thread_item(
    base_url: str, thread: ThreadRef, title: str, opening: Post, routes: Iterable[str]
) -> Item:
    """The mention for a newly found thread."""
    return Item(
        external_id=thread.external_id,
        item_type=ItemType.THREAD,
        text=opening.text[:MAX_TEXT] or title,
        url=thread_url(base_url, thread),
        title=title or None,
        author=opening.author,
        published_at=opening.posted_at,
        extra={
            "topic": thread.topic,
            "thread_id": thread.thread_id,
            "found_by": sorted(routes),
            "post_key": opening.key,
        },
    )


def post_item(base_url: str, thread: ThreadRef, title: str, page: int, post: Post) -> Item:
    """The mention for one new post in a followed thread."""
    return Item(
        external_id=f"post:{thread.thread_id}:{post.key}",
        item_type=ItemType.POST,
        text=post.text[:MAX_TEXT],
        url=thread_url(base_url, thread, page),
        title=title or None,
        author=post.author,
        published_at=post.posted_at,
        parent_external_id=thread.external_id,
        extra={"topic": thread.topic, "thread_id": thread.thread_id, "page": page},
    )
