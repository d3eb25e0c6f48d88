"""Requests to Ofsted's sites: one GET per page per poll, robots.txt honoured, parsing off the loop.

Every request goes through the shared client (our User-Agent, deadline, byte cap, retries) with
`robots=True`. The client already makes a 403 a `SourceBlockedError` (health `blocked`):
scrapers report that the reports site refuses non-browser clients, and the remedy is a person's,
not a faster retry.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from sources.errors import SourceFormatError
from sources.http import PoliteClient, Response
from sources.ofsted.management import MiFile, MiRow, as_at_date, newest_file, school_row
from sources.ofsted.parse import (
    ParentViewResults,
    ProviderPage,
    parse_parent_view,
    parse_provider_page,
)

ACCEPT_HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"}
ACCEPT_CSV = {"Accept": "text/csv,text/html;q=0.9,*/*;q=0.5"}


@dataclass(frozen=True, slots=True)
class ParentViewPage:
    """Parent View's figures and the address they were read from (after its redirect)."""

    results: ParentViewResults
    url: str


class OfstedSite:
    """The pages one ofsted source reads, through the shared client."""

    def __init__(self, http: PoliteClient) -> None:
        self.http = http

    async def provider_page(self, url: str) -> ProviderPage:
        """The school's page on the reports site, parsed."""
        response = await self.http.get(url, robots=True, headers=ACCEPT_HTML)
        return await asyncio.to_thread(parse_provider_page, response.text, response.label)

    async def parent_view(self, url: str) -> ParentViewPage:
        """Parent View's results page for the school, parsed."""
        response = await self.http.get(url, robots=True, headers=ACCEPT_HTML)
        results = await asyncio.to_thread(parse_parent_view, response.text, response.label)
        return ParentViewPage(results, response.url)

    async def newest_mi_file(self, url: str) -> tuple[MiFile, Response | None]:
        """The newest MI file: from the data-set page, or `url` itself when it is the CSV.

        When `url` is the CSV its response comes back too, so it is not asked for twice.
        """
        response = await self.http.get(url, robots=True, headers=ACCEPT_CSV)
        if is_csv(response):
            name = unquote(urlsplit(response.url).path.rsplit("/", 1)[-1])
            as_at = as_at_date(name)
            if as_at is None:
                raise SourceFormatError(
                    f"{response.label}: the MI file's name does not say the date it is 'as at'"
                )
            return MiFile(response.url, as_at), response
        found = await asyncio.to_thread(newest_file, response.text, response.url, response.label)
        return found, None

    async def mi_row(self, file: MiFile, urn: str, fetched: Response | None) -> MiRow:
        """This school's row of an MI file (fetched now unless `fetched` already holds it)."""
        response = fetched or await self.http.get(file.url, robots=True, headers=ACCEPT_CSV)
        return await asyncio.to_thread(
            school_row, response.content, urn, file.as_at, response.label
        )


def is_csv(response: Response) -> bool:
    """True when the response is a CSV file rather than a page linking to one."""
    kind = response.headers.get("Content-Type", "").lower()
    return "csv" in kind or urlsplit(response.url).path.lower().endswith(".csv")
