"""Any RSS or Atom feed (Google Alerts, local news), parsed by feedparser from our own fetch.

Parsing lives in `sources.common.feeds` (Mumsnet discovery reads feeds too) and runs in a thread:
the response's charset and final URL go with the bytes, Google Alerts links are unwrapped,
relative links resolved, markup reduced to plain text, and entries identified by their id, else
their link, else a hash of their content; an entry with nothing to identify it is skipped and
counted. A Google Alerts feed URL is a bearer secret, so it may
come from `url_env`/`url_file`/`url_credential`; such a URL is then named in errors by its host
only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import Field, HttpUrl, model_validator

from monitor.model import FetchResult, SourceState
from sources.base import SourceConfig, register
from sources.capabilities import Advice, Capabilities, Remedies
from sources.errors import SourceFormatError

if TYPE_CHECKING:
    from sources.http import PoliteClient


class FeedConfig(SourceConfig, secrets={"url": "the feed URL (a Google Alerts feed's is secret)"}):
    """An RSS or Atom feed."""

    url: HttpUrl | None = Field(None, description="The feed's URL (for a non-secret feed).")
    match_aliases: bool = Field(
        False, description="Keep only entries that name the school (for general news feeds)."
    )

    @model_validator(mode="after")
    def _one_url(self) -> FeedConfig:
        if (self.url is not None) == self.secret_given("url"):
            raise ValueError("give exactly one of url, url_env, url_file, url_credential")
        return self

    def feed_url(self) -> tuple[str, str | None]:
        """The URL to fetch and the label errors use (its host only when the URL is a secret)."""
        if self.url is not None:
            return str(self.url), None
        secret = self.secret("url")
        assert secret is not None  # guaranteed by _one_url
        url = secret.reveal()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # The value is secret: say what is wrong without repeating it.
            raise SourceFormatError("the secret feed URL is not an http(s) URL")
        return url, parts.hostname


CAPABILITIES = Capabilities(
    advice=Advice(
        respond="For a news story, ask the editor for a correction or a right of reply, keeping"
        " to facts; do not argue in its comments.",
        remove="For an inaccuracy, use the publication's corrections route (its editor, then"
        " IPSO or IMPRESS if it is a member); for a post elsewhere, report it to the site.",
    ),
    remedies=Remedies(
        failing="retried with backoff; if it goes on, open the feed's URL in a browser and"
        " check the last error (docs/sources/feed.md, Politeness and failures)",
        auth_expired="the feed refuses us (401/403): a private feed's address may have changed;"
        " put the new URL where url or url_* points (docs/sources/feed.md)",
        blocked="the server refuses us: check the last error and the feed's URL"
        " (docs/sources/feed.md, Politeness and failures)",
        parser_broken="the URL no longer gives an RSS or Atom feed (a login wall or an error"
        " page?): open it in a browser and fix url (docs/sources/feed.md, Politeness and"
        " failures)",
    ),
    respond_instead="a feed entry is someone else's page: contact its publisher (a news desk's"
    " corrections address, say) if it needs answering, then record it with `monitor alerts"
    " action ID note --note TEXT`",
)


@register("feed", FeedConfig, CAPABILITIES)
async def fetch(http: PoliteClient, config: FeedConfig, state: SourceState) -> FetchResult:
    """The feed's current entries, or nothing when it is unchanged since the last poll (304)."""
    # Imported here: loading the config (every command) must not load what fetching needs.
    import asyncio

    from sources.common.feeds import FeedOrigin, parse_entries
    from sources.common.words import AliasMatcher

    url, label = config.feed_url()
    response = await http.get(
        url,
        etag=state.etag,
        last_modified=state.last_modified,
        label=label,
        headers={"Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9"},
    )
    if response.not_modified:
        return FetchResult([], state.cursor, state.etag, state.last_modified, requests=1)
    origin = FeedOrigin(response.headers.get("Content-Type", ""), response.url)
    read = await asyncio.to_thread(
        parse_entries, response.content, label=response.label, origin=origin
    )
    items = read.items
    if config.match_aliases:
        matcher = AliasMatcher(config.aliases)
        items = [item for item in items if matcher.matches(item.title, item.text)]
    return FetchResult(
        items,
        state.cursor,
        response.etag or None,
        response.last_modified or None,
        requests=1,
        skipped=read.skipped,
    )
