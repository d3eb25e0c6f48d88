"""Facebook page: posts on the school's page (its own and visitors'), comments and replies.

Each poll reads `/{page-id}/feed` from the last poll minus an hour (deduped by id; the first poll
goes back `comment_lookback_days`), then every comment and reply (`filter=stream`) of each post
younger than `comment_lookback_days`: new comments on older posts never reach the feed, so this
pass is what finds them, and it also sees edits and hidden comments. When Facebook reports more
than 80% of a quota used, the comment pass is skipped (and stays skipped for an hour or as long
as Facebook estimates) so the token is not cut off. Requests and errors are in `api.py`,
parsing in `parse.py`, items in `items.py`; `webhook.py` turns webhook deliveries into the same
items.

The cursor: {"last_poll": ISO time, "posts": {post id: ISO created time}, "slow_until": ISO|null}.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from monitor.config.secrets import Secret
from monitor.model import FetchResult, Item, SourceState
from sources.base import SourceConfig, register
from sources.capabilities import Advice, Capabilities, HideTarget, Remedies, ReplyTarget
from sources.common.items import SkipTally
from sources.common.times import saved_iso, saved_time
from sources.facebook_page.api import COMMENT_FIELDS, GraphObjectMissingError, GraphSession
from sources.facebook_page.items import comment_item, post_item
from sources.facebook_page.moderation import post_reply, set_hidden, write_access
from sources.facebook_page.parse import GRAPH, Comment, Post, parse_comment, parse_post
from sources.http import PoliteClient

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://graph.facebook.com"
FEED_OVERLAP = timedelta(hours=1)  # posts published just before the last poll may surface late
SLOW_DOWN_AT = 80.0  # percent of a Graph quota used
SLOW_DOWN_FOR = timedelta(hours=1)  # when Facebook gives no estimate of its own
# `story` and `attachments` give words to a post that has no message (a shared link or photo).
POST_FIELDS = (
    "id,message,story,attachments{title,description},created_time,updated_time,from,"
    "permalink_url,status_type,is_hidden"
)


class FacebookPageConfig(
    SourceConfig,
    secrets={
        "access_token": "the Page access token",
        "app_secret": "the Meta app secret (signs requests with appsecret_proof, checks webhooks)",
        "verify_token": "the webhook verify token (a string you choose and give Meta)",
    },
    required=("access_token",),
):
    """The school's Facebook page, read with a Page access token."""

    page_id: str = Field(description="The Page's numeric id (Page → About → Page transparency).")
    api_url: str = Field(DEFAULT_API_URL, description="The Graph API's base URL.")
    api_version: str = Field("v24.0", description='The Graph API version pinned ("v24.0").')
    comment_lookback_days: int = Field(
        14, ge=0, le=365, description="Comments are read on posts younger than this many days."
    )
    page_size: int = Field(100, ge=1, le=100, description="`limit` asked for on each request.")
    max_pages: int = Field(
        20, ge=1, le=1000, description="Most pages read of one feed or comment list in one poll."
    )

    @field_validator("page_id")
    @classmethod
    def _numeric_page_id(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9]{1,30}", value.strip()):
            raise ValueError("give the Page's numeric id (its username will not do)")
        return value.strip()

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not re.fullmatch(r"v[0-9]{1,3}\.[0-9]{1,2}", value):
            raise ValueError('a Graph API version such as "v24.0"')
        return value

    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise ValueError("must be an http(s) URL without a query")
        return value.strip()

    def token(self) -> Secret:
        """The Page access token."""
        secret = self.secret("access_token")
        assert secret is not None  # required: SourceConfig checks one reference is given
        return secret

    def token_hint(self) -> str:
        """Where the token lives, for messages that tell a person where to put a new one."""
        return self.secret_hint("access_token")

    def session(self, http: PoliteClient) -> GraphSession:
        """Graph API calls for this Page through `http`, with its token."""
        return GraphSession(
            http,
            api_url=self.api_url,
            api_version=self.api_version,
            token=self.token(),
            app_secret=self.secret("app_secret"),
            token_hint=self.token_hint(),
        )


@dataclass(frozen=True, slots=True)
class FacebookCursor:
    """When the last poll started, the posts still watched for comments, any slow-down."""

    last_poll: datetime | None
    posts: Mapping[str, datetime]
    slow_until: datetime | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FacebookCursor:
        """The saved cursor; malformed entries are dropped (they are read afresh)."""
        posts_raw = data.get("posts")
        posts: dict[str, datetime] = {}
        for post_id, created in posts_raw.items() if isinstance(posts_raw, Mapping) else ():
            moment = saved_time(created)
            if moment is not None:
                posts[str(post_id)] = moment
        return cls(saved_time(data.get("last_poll")), posts, saved_time(data.get("slow_until")))

    def to_json(self) -> dict[str, Any]:
        """The cursor as JSON for the scan to save."""
        return {
            "last_poll": saved_iso(self.last_poll),
            "posts": {
                post_id: saved_iso(created) for post_id, created in sorted(self.posts.items())
            },
            "slow_until": saved_iso(self.slow_until),
        }


CAPABILITIES = Capabilities(
    advice=Advice(
        respond="Reply under the post or comment on our page, briefly, inviting the writer to"
        " message or call the office; never discuss a child or a member of staff.",
        remove="It is on our own page: hide the comment (its writer and friends still see it) or"
        " delete it, and ban a repeat abuser from the page (Page settings, People and other"
        " Pages).",
    ),
    remedies=Remedies(
        auth_expired="make a new Page access token as the last error says and put it where"
        " access_token_* points (docs/sources/facebook.md, When the token stops working)",
        blocked="Facebook refuses the calls: it is asked again when it allows; do not poll"
        " faster (docs/sources/facebook.md, Rate limits)",
    ),
    webhook=True,
    reply=ReplyTarget(
        item_types=frozenset({"post", "comment"}),
        post=post_reply,
        where="as a comment by the Page on Facebook",
    ),
    hide=HideTarget(item_types=frozenset({"comment"}), set_hidden=set_hidden),
    write_access=write_access,
    respond_instead="a post on the Page cannot be hidden from the monitor: hide or delete it on"
    " Facebook, or reply to it (`monitor alerts reply`); a public reply the Page made is"
    " deleted on Facebook itself",
)


@register("facebook_page", FacebookPageConfig, CAPABILITIES)
async def fetch(http: PoliteClient, config: FacebookPageConfig, state: SourceState) -> FetchResult:
    """New feed posts since the last poll, then every comment on posts still being watched."""
    session = config.session(http)
    return await Poll(session, config, FacebookCursor.from_json(state.cursor)).run()


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
