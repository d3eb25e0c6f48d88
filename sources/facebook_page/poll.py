"""One poll of a Facebook Page: the feed pass, then the comment pass unless quota runs short.

Imported by `sources.facebook_page.fetch` when a poll runs, so that loading the config does not
load the Graph client and parsers.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from monitor.model import FetchResult, Item
from sources.common.items import SkipTally
from sources.common.times import saved_iso
from sources.facebook_page.api import GraphObjectMissingError, GraphSession
from sources.facebook_page.config import FacebookCursor, FacebookPageConfig
from sources.facebook_page.items import comment_item, post_item
from sources.facebook_page.parse import GRAPH, Comment, Post, parse_comment, parse_post

log = logging.getLogger(__name__)

FEED_OVERLAP = timedelta(hours=1)  # posts published just before the last poll may surface late
SLOW_DOWN_AT = 80.0  # percent of a Graph quota used
SLOW_DOWN_FOR = timedelta(hours=1)  # when Facebook gives no estimate of its own
# `story` and `attachments` give words to a post that has no message (a shared link or photo).
POST_FIELDS = (
    "id,message,story,attachments{title,description},created_time,updated_time,from,"
    "permalink_url,status_type,is_hidden"
)
COMMENT_FIELDS = (
    "id,message,created_time,from{id,name},permalink_url,parent{id},comment_count,is_hidden,"
    "can_hide"
)


class Poll:
    """One poll of a Page: the feed pass, then the comment pass unless quota is short."""

    def __init__(
        self, session: GraphSession, config: FacebookPageConfig, cursor: FacebookCursor
    ) -> None:
        self.session = session
        self.config = config
        self.cursor = cursor
        self.now = datetime.now(UTC)
        self.horizon = self.now - timedelta(days=config.comment_lookback_days)
        self.skips = SkipTally()  # posts and comments that could not be read

    async def run(self) -> FetchResult:
        """The items found and the new cursor."""
        posts = await self.read_feed()
        items: dict[str, Item] = {post.id: post_item(self.config.page_id, post) for post in posts}
        watched = {
            post_id: created
            for post_id, created in self.cursor.posts.items()
            if created >= self.horizon
        }
        watched.update(
            {post.id: post.created_time for post in posts if post.created_time >= self.horizon}
        )
        slow_until = self.slow_down_until()
        if slow_until is None:
            # Newest first: if quota runs short mid-pass, the liveliest threads were read.
            for post_id in sorted(watched, key=lambda key: watched[key], reverse=True):
                if self.quota_short():
                    slow_until = self.now + self.session.regain_wait(SLOW_DOWN_FOR)
                    break
                if not await self.read_comments(post_id, items):
                    del watched[post_id]  # the post is gone: stop asking for its comments
        else:
            log.info(
                "facebook page %s: quota above %g%%, comment pass skipped until %s",
                self.config.page_id,
                SLOW_DOWN_AT,
                saved_iso(slow_until),
            )
        return FetchResult(
            items=list(items.values()),
            cursor=FacebookCursor(self.now, watched, slow_until).to_json(),
            requests=self.session.requests,
            skipped=self.skips.skipped,
        )

    async def read_feed(self) -> list[Post]:
        """Feed posts created since the last poll (less the overlap), each once."""
        if self.cursor.last_poll is None:
            since = self.horizon
        else:
            since = self.cursor.last_poll - FEED_OVERLAP
        params = {
            "fields": POST_FIELDS,
            "since": str(int(since.timestamp())),
            "limit": str(self.config.page_size),
        }
        found: dict[str, Post] = {}
        path = f"{self.config.page_id}/feed"
        async for page in self.session.pages(path, params, max_pages=self.config.max_pages):
            for post in self.skips.read_each(page.data, read_post):
                found.setdefault(post.id, post)
        return list(found.values())

    async def read_comments(self, post_id: str, items: dict[str, Item]) -> bool:
        """Every comment and reply of one post into `items`; False when the post is gone."""
        params = {
            "fields": COMMENT_FIELDS,
            "filter": "stream",
            "order": "chronological",
            "limit": str(self.config.page_size),
        }
        pages = self.session.pages(f"{post_id}/comments", params, max_pages=self.config.max_pages)
        try:
            async for page in pages:
                for comment in self.skips.read_each(
                    page.data, lambda entry, index: read_comment(post_id, entry, index)
                ):
                    items[comment.id] = comment_item(self.config.page_id, post_id, comment)
        except GraphObjectMissingError as error:
            log.info("facebook post %s no longer readable: %s", post_id, error)
            return False
        return True

    def quota_short(self) -> bool:
        """True once Facebook has reported a quota used beyond SLOW_DOWN_AT in this poll."""
        peak = self.session.peak_usage
        return peak is not None and peak >= SLOW_DOWN_AT

    def slow_down_until(self) -> datetime | None:
        """Until when the comment pass waits: a slow-down still running, or one starting now."""
        if self.cursor.slow_until is not None and self.cursor.slow_until > self.now:
            return self.cursor.slow_until
        if self.quota_short():
            return self.now + self.session.regain_wait(SLOW_DOWN_FOR)
        return None


def read_post(entry: object, index: int) -> Post:
    """One entry of a feed page (SourceFormatError when it cannot be read: it is skipped)."""
    name = f"feed data[{index}]"
    return parse_post(GRAPH.mapping(entry, name), name)


def read_comment(post_id: str, entry: object, index: int) -> Comment:
    """One entry of a post's comments page (SourceFormatError when it cannot be read)."""
    name = f"comments of {post_id} data[{index}]"
    return parse_comment(GRAPH.mapping(entry, name), name)
