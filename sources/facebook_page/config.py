"""The keys of a facebook_page source (the Page, its token and secrets) and the poll's cursor."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from monitor.config.secrets import Secret
from sources.base import SourceConfig
from sources.common.times import saved_iso, saved_time

if TYPE_CHECKING:
    from sources.facebook_page.api import GraphSession
    from sources.http import PoliteClient

DEFAULT_API_URL = "https://graph.facebook.com"


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
        from sources.facebook_page.api import GraphSession

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
