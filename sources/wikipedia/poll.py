"""Polls of one wiki: a watched page's new revisions with their diffs, and a search's hits.

A page with no saved position gets a baseline: its latest revisions, newest first from the
API, stored oldest first without diffs (the text is the edit comment). Later polls read
`rvdir=newer` from the saved revision (inclusive, so it is skipped), follow `continue`, and
fetch each new revision's diff against its parent with `action=compare`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from monitor.model import Item
from sources.common.items import SkipTally
from sources.common.words import OffensiveWords
from sources.errors import SourceFormatError
from sources.wikipedia.api import WikipediaApiError, WikiSession
from sources.wikipedia.items import DiffStatus, EditText, WikiLinks, article_item, revision_item
from sources.wikipedia.parse import (
    PageRevisions,
    Revision,
    SearchHit,
    parse_compare,
    parse_latest,
    parse_revisions,
    parse_search,
)
from sources.wikipedia.risk import RevertRiskScorer
from sources.wikipedia.templates import TemplateKinds, shipped_template_kinds
from sources.wikipedia.text import read_diff

log = logging.getLogger(__name__)

REVISION_PROPS = "ids|timestamp|user|userid|comment|size|flags|tags|sha1"
SEARCH_PROPS = "size|wordcount|timestamp|snippet"
PAGE_SIZE = 50  # revisions or search results asked for per request
TITLES_PER_REQUEST = 50  # the Action API's limit of titles in one query (500 for bots)
# Codes with which the wiki refuses one revision's diff (deleted or suppressed text).
UNAVAILABLE_DIFF_CODES = frozenset({"nosuchrevid", "missingcontent", "permissiondenied"})
# The saved revision is gone for good (deleted and purged): start the page afresh.
BAD_START_CODES = frozenset({"badid_startid", "badid_rvstartid", "nosuchrevid"})


@dataclass(frozen=True, slots=True)
class PollLimits:
    """How much one poll reads: baseline size, new revisions per page, results per search."""

    baseline_revisions: int
    max_revisions: int
    search_limit: int


@dataclass(frozen=True, slots=True)
class PagePosition:
    """Where a watched page was left: its page id and the last revision returned."""

    pageid: int
    revid: int


@dataclass(frozen=True, slots=True)
class PagePoll:
    """What one poll of a watched page found, and where to start next time."""

    items: list[Item]
    position: PagePosition


@dataclass(frozen=True, slots=True)
class Poller:
    """The parts every page poll uses."""

    wiki: WikiSession
    links: WikiLinks
    scorer: RevertRiskScorer
    offensive: OffensiveWords
    limits: PollLimits
    templates: TemplateKinds = field(default_factory=shipped_template_kinds)
    skips: SkipTally = field(default_factory=SkipTally)  # unreadable revisions and results

    async def poll_page(self, title: str, position: PagePosition | None) -> PagePoll:
        """New revisions of one page since `position`, or its baseline when there is none."""
        if position is None:
            return await self.baseline(title)
        try:
            page, revisions = await self.read_newer(title, position.revid)
        except WikipediaApiError as error:
            if error.code not in BAD_START_CODES:
                raise
            log.warning("%s: saved revision %d is gone; starting afresh", title, position.revid)
            return await self.baseline(title)
        if page.pageid != position.pageid:
            log.warning("%s now resolves to another page (%d); starting afresh", title, page.pageid)
            return await self.baseline(title)
        sizes = {revision.revid: revision.size for revision in revisions}
        items: list[Item] = []
        done = {position.revid}  # the bound is inclusive: the saved revision comes back first
        last = position.revid
        for revision in revisions:
            if revision.revid in done:
                continue
            done.add(revision.revid)
            text = await self.edit_text(page.title, revision, sizes)
            risk = await self.scorer.score(revision)
            items.append(
                revision_item(
                    page.title, page.pageid, revision, text, risk, self.links, self.offensive
                )
            )
            last = revision.revid
        return PagePoll(items, PagePosition(page.pageid, last))

    async def latest_revisions(self, titles: Sequence[str]) -> dict[str, PagePosition]:
        """Each page's latest revision, TITLES_PER_REQUEST pages a request (titles=A|B|…).

        Several pages in one query get only their latest revision, which says whether a page
        changed since its saved position. A title the answer does not cover (missing, renamed,
        unreadable) is left out: its own poll reports what is wrong with it.
        """
        found: dict[str, PagePosition] = {}
        for start in range(0, len(titles), TITLES_PER_REQUEST):
            batch = titles[start : start + TITLES_PER_REQUEST]
            params = {**_revision_params("|".join(batch)), "rvprop": "ids"}
            label = f"wikipedia latest revisions of {len(batch)} pages"
            payload = await self.wiki.call(params, label)
            for title, (pageid, revid) in parse_latest(payload, batch).items():
                found[title] = PagePosition(pageid, revid)
        return found

    async def read_newer(self, title: str, start: int) -> tuple[PageRevisions, list[Revision]]:
        """The page and its revisions from `start` on, oldest first, following `continue`."""
        params = {
            **_revision_params(title),
            "rvdir": "newer",
            "rvstartid": str(start),
            "rvlimit": str(PAGE_SIZE),
        }
        limit = self.limits.max_revisions + 1  # +1: the saved revision comes back too
        continuation: Mapping[str, str] = {}
        first: PageRevisions | None = None
        revisions: list[Revision] = []
        while True:
            payload = await self.wiki.call({**params, **continuation}, f"wikipedia {title}")
            page = parse_revisions(payload, title)
            self.skips.add(page.skipped)
            first = first or page
            revisions.extend(page.revisions)
            if page.continuation is None or len(revisions) >= limit:
                return first, revisions[:limit]
            continuation = page.continuation

    async def baseline(self, title: str) -> PagePoll:
        """A page's latest revisions, oldest first, stored as the baseline without diffs."""
        params = {**_revision_params(title), "rvlimit": str(self.limits.baseline_revisions)}
        payload = await self.wiki.call(params, f"wikipedia {title}")
        page = parse_revisions(payload, title)
        self.skips.add(page.skipped)
        if not page.revisions:
            raise SourceFormatError(
                f'Wikipedia revisions of "{title}": an existing page without any'
            )
        revisions = list(reversed(page.revisions))  # asked newest first; stored oldest first
        sizes = {revision.revid: revision.size for revision in revisions}
        items = [
            revision_item(
                page.title,
                page.pageid,
                revision,
                EditText(DiffStatus.BASELINE, parent_size=sizes.get(revision.parentid)),
                self.scorer.skipped("baseline: not scored"),
                self.links,
                self.offensive,
            )
            for revision in revisions
        ]
        return PagePoll(items, PagePosition(page.pageid, revisions[-1].revid))

    async def edit_text(
        self, title: str, revision: Revision, sizes: Mapping[int, int | None]
    ) -> EditText:
        """What a revision added and removed, from the compare diff with its parent."""
        parent_size = sizes.get(revision.parentid)
        if revision.parentid == 0:
            return EditText(DiffStatus.PAGE_CREATION, parent_size=None)
        if revision.sha1hidden:
            return EditText(DiffStatus.UNAVAILABLE, parent_size=parent_size, error="texthidden")
        params = {
            "action": "compare",
            "fromrev": str(revision.parentid),
            "torev": str(revision.revid),
            "prop": "diff|ids|size",
        }
        try:
            payload = await self.wiki.call(params, f"wikipedia {title} diff {revision.revid}")
        except WikipediaApiError as error:
            if error.code not in UNAVAILABLE_DIFF_CODES:
                raise
            return EditText(DiffStatus.UNAVAILABLE, parent_size=parent_size, error=error.code)
        comparison = parse_compare(payload)
        # BeautifulSoup and mwparserfromhell are CPU work: off the event loop.
        diff, readable = await asyncio.to_thread(read_diff, comparison.body, self.templates)
        return EditText(
            DiffStatus.FETCHED,
            added=readable.added,
            removed=readable.removed,
            added_wikitext="\n".join(diff.added),
            parent_size=comparison.fromsize if comparison.fromsize is not None else parent_size,
        )

    async def search_articles(
        self, query: str, seen: frozenset[int] | None, watched: frozenset[int]
    ) -> tuple[list[Item], frozenset[int]]:
        """Articles newly in a query's results (all of them, as baseline, the first time)."""
        params = {
            "action": "query",
            "list": "search",
            "srsearch": query,
            "srwhat": "text",
            "srnamespace": "0",
            "srprop": SEARCH_PROPS,
            "srinfo": "totalhits",
            "srlimit": str(min(PAGE_SIZE, self.limits.search_limit)),
        }
        continuation: Mapping[str, str] = {}
        hits: list[SearchHit] = []
        while len(hits) < self.limits.search_limit:
            payload = await self.wiki.call({**params, **continuation}, f"wikipedia search {query}")
            page = await asyncio.to_thread(parse_search, payload)  # snippets: BeautifulSoup
            self.skips.add(page.skipped)
            hits.extend(page.hits)
            if page.continuation is None:
                break
            continuation = page.continuation
        hits = hits[: self.limits.search_limit]
        known = seen or frozenset()
        items = [
            article_item(hit, query, self.links, baseline=seen is None)
            for hit in hits
            if hit.pageid not in known and hit.pageid not in watched
        ]
        return items, known | {hit.pageid for hit in hits}


def _revision_params(title: str) -> dict[str, str]:
    """The `prop=revisions` parameters shared by baseline and incremental polls."""
    return {
        "action": "query",
        "prop": "revisions",
        "titles": title,
        "redirects": "1",
        "rvprop": REVISION_PROPS,
    }
