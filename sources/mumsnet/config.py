"""The keys of a mumsnet source: where to look for threads, how politely, for how long."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from monitor.config.units import Duration
from sources.base import SharedHost, SourceConfig, shared_host_of
from sources.errors import SourceFormatError
from sources.mumsnet.urls import TOPIC, thread_ref

DEFAULT_BASE_URL = "https://www.mumsnet.com"


class MumsnetConfig(
    SourceConfig,
    # A Google Alerts feed URL is a bearer secret: one more discovery feed may come by reference.
    secrets={"discovery_feed": "one more discovery feed URL (a Google Alert's is secret)"},
):
    """Mumsnet Talk threads that name the school."""

    base_url: str = Field(DEFAULT_BASE_URL, description="The site (tests point it elsewhere).")
    threads: list[str] = Field(
        default_factory=list, description="Thread URLs to follow (any page or slug of them)."
    )
    topics: list[str] = Field(
        default_factory=list,
        description='Topic slugs ("primary_education") whose listings are matched by title.',
    )
    discovery_feeds: list[str] = Field(
        default_factory=list,
        description="RSS/Atom feeds (a Google Alert on site:mumsnet.com) linking to threads.",
    )
    request_delay: Duration = Field(
        timedelta(seconds=10), description="Least time between two requests to Mumsnet."
    )
    follow_days: int = Field(
        30, ge=1, le=3650, description="Days a thread is re-read after its last post."
    )
    pages_per_topic: int = Field(
        1, ge=1, le=20, description="Listing pages of each topic read per poll (newest first)."
    )
    max_pages_per_poll: int = Field(
        20, ge=1, le=500, description="Most Mumsnet pages requested in one poll; the rest wait."
    )

    @field_validator("base_url")
    @classmethod
    def _site_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL")
        return value.strip().rstrip("/")

    @field_validator("discovery_feeds")
    @classmethod
    def _feed_urls(cls, values: list[str]) -> list[str]:
        for index, value in enumerate(values):
            parts = urlsplit(value.strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                # The URL may be a secret (a Google Alert): say which entry, not what it holds.
                raise ValueError(f"entry {index + 1} is not an http(s) URL")
        return [value.strip() for value in values]

    @field_validator("topics")
    @classmethod
    def _topic_slugs(cls, values: list[str]) -> list[str]:
        slugs = [value.strip().lower() for value in values]
        for slug in slugs:
            if not TOPIC.fullmatch(slug):
                raise ValueError(f"{slug!r} is not a topic slug such as 'primary_education'")
        return list(dict.fromkeys(slugs))

    @model_validator(mode="after")
    def _thread_urls(self) -> MumsnetConfig:
        for url in self.threads:
            if thread_ref(url, self.base_url) is None:
                raise ValueError(
                    f"threads: {url!r} is not a Mumsnet thread URL (/talk/<topic>/<id>)"
                )
        secret_feed = self.secret_given("discovery_feed")
        if not (self.threads or self.topics or self.discovery_feeds or secret_feed):
            raise ValueError("give at least one of threads, topics or discovery_feeds")
        return self

    @property
    def host(self) -> str:
        """The site's host name."""
        return urlsplit(self.base_url).hostname or ""

    def feed_urls(self) -> list[str]:
        """The discovery feeds: those listed, then the one given by reference, if any."""
        secret = self.secret("discovery_feed")
        if secret is None:
            return list(self.discovery_feeds)
        url = secret.reveal().strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # The value is secret: say what is wrong without repeating it.
            raise SourceFormatError("the secret discovery feed URL is not an http(s) URL")
        return [*self.discovery_feeds, url]

    def shared_host(self) -> SharedHost | None:
        """Mumsnet's `request_delay` holds across every worker, not only within one."""
        return shared_host_of(self.base_url, self.request_delay)
