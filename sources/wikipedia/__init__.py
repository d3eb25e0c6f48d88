"""Wikipedia: new revisions of watched articles, and new articles that mention the school.

Each watched page is polled with `prop=revisions` from its saved revision id; each new revision
becomes a mention whose text is what the edit added (from `action=compare`). The first poll
of a page stores its latest `baseline_revisions` revisions without diffs (the text is the
edit comment, `extra["baseline"]` is true): history from before the monitor started is not
news, and one request per page keeps the first run light. Each search query is run with
`list=search`; an article newly in its results is a mention. Optionally each new revision is
scored by Lift Wing's revert-risk model. With several watched pages polled before (a trust's
schools), one request for up to 50 titles finds those whose latest revision moved, and only
they are read. The requests are made in `poll.py` (through
`api.py`, one at a time per wiki); parsing lives in `parse.py`, `text.py` (diff tables),
`wikitext.py` (wikitext to readable words, with mwparserfromhell; `templates.py` names the
quotation and citation templates) and `items.py`, pure functions over the response bodies.

The cursor: {"pages": {title: {"pageid": int, "revid": int}}, "search": {query: [pageid, ...]}}.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from monitor.model import FetchResult, Item, RevisionFacts, SourceState
from sources.base import SharedHost, SourceConfig, register, shared_host_of
from sources.capabilities import UPGRADE, Advice, Capabilities, Remedies
from sources.wikipedia.templates import parse_quote_line

if TYPE_CHECKING:
    from sources.http import PoliteClient
    from sources.wikipedia.poll import PagePosition

DEFAULT_API_URL = "https://en.wikipedia.org/w/api.php"


class WikipediaConfig(SourceConfig):
    """Watched pages and search queries on one wiki (English Wikipedia by default)."""

    pages: list[str] = Field(
        default_factory=list,
        description="Article titles to watch, exactly as on the wiki (a redirect is followed).",
    )
    search: list[str] = Field(
        default_factory=list,
        description="Queries for articles that name the school: '\"Calcot Infant School\"'.",
    )
    api_url: str = Field(DEFAULT_API_URL, description="The wiki's Action API endpoint (api.php).")
    revert_risk_url: str = Field(
        "",
        description="Lift Wing revert-risk predict URL for each new revision; empty = off.",
    )
    revert_risk_lang: str = Field(
        "",
        description="Language code sent to revert-risk; empty: taken from api_url, else en.",
    )
    baseline_revisions: int = Field(
        50, ge=1, le=500, description="Revisions of a page stored on its first poll, newest first."
    )
    max_revisions: int = Field(
        200, ge=1, le=5000, description="Most new revisions of one page read in one poll."
    )
    search_limit: int = Field(
        100, ge=1, le=1000, description="Most results read for one search query in one poll."
    )
    maxlag: int = Field(
        5, ge=1, le=60, description="maxlag sent with every request (seconds of replica lag)."
    )
    maxlag_retries: int = Field(
        2,
        ge=0,
        le=5,
        description="Retries within a poll after a maxlag error, each after Retry-After.",
    )
    offensive_words: list[str] = Field(
        default_factory=list,
        description="Words added to the shipped list looked for in the text an edit adds.",
    )
    quote_templates: list[str] = Field(
        default_factory=list,
        description=(
            "Templates added to the shipped quotation list, whose words are kept in the added"
            " text: 'name', or 'name: quotation parameters ; attribution parameters'."
        ),
    )

    @field_validator("pages", "search")
    @classmethod
    def _clean_entries(cls, values: list[str]) -> list[str]:
        cleaned = [" ".join(value.split()) for value in values]
        if any(not value for value in cleaned):
            raise ValueError("entries must not be empty")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("entries must not repeat")
        return cleaned

    @field_validator("pages")
    @classmethod
    def _titles_only(cls, titles: list[str]) -> list[str]:
        for title in titles:
            if "|" in title or title.lower().startswith(("http://", "https://")):
                raise ValueError(f"{title!r}: give the article title, not a URL or a list")
        return titles

    @field_validator("quote_templates")
    @classmethod
    def _quote_template_lines(cls, lines: list[str]) -> list[str]:
        for line in lines:
            parse_quote_line(line)  # ValueError names the line
        return lines

    @field_validator("api_url", "revert_risk_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.hostname):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _something_to_watch(self) -> WikipediaConfig:
        if not self.pages and not self.search:
            raise ValueError("give at least one of pages or search")
        return self

    @property
    def language(self) -> str:
        """The wiki's language code for Lift Wing."""
        if self.revert_risk_lang:
            return self.revert_risk_lang
        host = urlsplit(self.api_url).hostname or ""
        match = re.fullmatch(r"([a-z][a-z0-9-]*)\.wikipedia\.org", host)
        return match.group(1) if match else "en"

    def shared_host(self) -> SharedHost | None:
        """Wikimedia asks for requests in series: one poll of the wiki at a time, fleet-wide."""
        return shared_host_of(self.api_url)


@dataclass(frozen=True, slots=True)
class WikipediaCursor:
    """The saved state: each page's position and each query's seen page ids."""

    pages: Mapping[str, PagePosition]
    search: Mapping[str, frozenset[int]]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WikipediaCursor:
        """The cursor saved last time; malformed entries are dropped (that page starts afresh)."""
        from sources.wikipedia.poll import PagePosition

        pages: dict[str, PagePosition] = {}
        raw_pages = data.get("pages")
        for title, entry in raw_pages.items() if isinstance(raw_pages, Mapping) else []:
            if isinstance(entry, Mapping) and _all_ints(entry.get("pageid"), entry.get("revid")):
                pages[str(title)] = PagePosition(entry["pageid"], entry["revid"])
        search: dict[str, frozenset[int]] = {}
        raw_search = data.get("search")
        for query, ids in raw_search.items() if isinstance(raw_search, Mapping) else []:
            if isinstance(ids, list) and _all_ints(*ids):
                search[str(query)] = frozenset(ids)
        return cls(pages, search)

    def to_json(self) -> dict[str, Any]:
        """The cursor as JSON for the scan to save."""
        return {
            "pages": {
                title: {"pageid": position.pageid, "revid": position.revid}
                for title, position in self.pages.items()
            },
            "search": {query: sorted(ids) for query, ids in self.search.items()},
        }


def _all_ints(*values: object) -> bool:
    """True when every value is an int (and not a bool)."""
    return all(isinstance(value, int) and not isinstance(value, bool) for value in values)


CAPABILITIES = Capabilities(
    advice=Advice(
        respond="Wikipedia takes no replies: propose a correction, with a reliable published"
        " source, on the article's talk page.",
        remove="Never edit the school's own article yourself (conflict of interest): raise it on"
        " the article's talk page or at WP:Help desk; obvious vandalism is usually reverted"
        " within minutes.",
    ),
    remedies=Remedies(
        failing="retried with backoff; if it goes on, check the last error, pages, search and"
        " api_url (docs/sources/wikipedia.md, Etiquette and errors)",
        auth_expired="Wikipedia needs no login: something between us and the wiki refuses the"
        " requests; check api_url and any proxy (docs/sources/wikipedia.md)",
        blocked="the wiki refuses us: make sure [http] contact is an address that is read"
        " (Wikimedia's User-Agent policy) and see docs/sources/wikipedia.md, Etiquette and errors",
        parser_broken="the wiki answered in an unexpected shape: check that api_url is a"
        " MediaWiki api.php (docs/sources/wikipedia.md); if it is, " + UPGRADE,
    ),
    facts=RevisionFacts,  # on each revision of a watched page (wikipedia_vandalism reads them)
    respond_instead="Wikipedia is not answered in reply: raise it on the article's talk page (or"
    " WP:Help desk) rather than editing the school's own article, then record it with `monitor"
    " alerts action ID note --note TEXT`",
)


@register("wikipedia", WikipediaConfig, CAPABILITIES)
async def fetch(http: PoliteClient, config: WikipediaConfig, state: SourceState) -> FetchResult:
    """New revisions of each watched page (oldest first), then articles new in each search."""
    # Imported here: loading the config (every command) must not load what fetching needs.
    from sources.common.words import OffensiveWords, shipped_offensive_words
    from sources.wikipedia.api import WikiSession
    from sources.wikipedia.items import WikiLinks
    from sources.wikipedia.poll import Poller, PollLimits
    from sources.wikipedia.risk import RevertRiskScorer
    from sources.wikipedia.templates import shipped_template_kinds

    cursor = WikipediaCursor.from_json(state.cursor)
    poller = Poller(
        WikiSession(
            http, config.api_url, maxlag=config.maxlag, maxlag_retries=config.maxlag_retries
        ),
        WikiLinks(config.api_url),
        RevertRiskScorer(http, config.revert_risk_url, config.language),
        OffensiveWords((*shipped_offensive_words(), *config.offensive_words)),
        PollLimits(config.baseline_revisions, config.max_revisions, config.search_limit),
        shipped_template_kinds().with_quotes(config.quote_templates),
    )
    items: list[Item] = []
    positions: dict[str, PagePosition] = {}
    # A trust watches many schools' pages: one request for up to 50 of them finds the few that
    # changed (one page alone costs the same request either way, so it is read directly).
    polled_before = [title for title in config.pages if title in cursor.pages]
    latest = await poller.latest_revisions(polled_before) if len(polled_before) > 1 else {}
    for title in config.pages:
        position = cursor.pages.get(title)
        if position is not None and latest.get(title) == position:
            positions[title] = position  # nothing new since the last poll
            continue
        poll = await poller.poll_page(title, position)
        items.extend(poll.items)
        positions[title] = poll.position
    # The watched pages' own revisions are already mentions; their search hits would repeat them.
    watched = frozenset(position.pageid for position in positions.values())
    seen: dict[str, frozenset[int]] = {}
    for query in config.search:
        found, seen[query] = await poller.search_articles(query, cursor.search.get(query), watched)
        items.extend(found)
    return FetchResult(
        items=unique_items(items),
        cursor=WikipediaCursor(positions, seen).to_json(),
        requests=poller.wiki.requests + poller.scorer.requests,
        skipped=poller.skips.skipped,
    )


def unique_items(items: Sequence[Item]) -> list[Item]:
    """Items without repeats (two titles redirecting to one page, one article in two searches)."""
    found: dict[str, Item] = {}
    for item in items:
        found.setdefault(item.external_id, item)
    return list(found.values())
