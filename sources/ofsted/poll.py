"""One poll of an ofsted source: the provider page, the MI file and Parent View when due."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from monitor.model import FetchResult, Item
from sources.errors import SourceFormatError
from sources.http import PoliteClient
from sources.ofsted.api import OfstedSite
from sources.ofsted.config import OfstedConfig
from sources.ofsted.cursor import ManagementInformation, OfstedCursor, ParentViewSeen
from sources.ofsted.items import (
    Report,
    mi_report,
    older_item,
    page_report,
    parent_view_item,
    report_item,
)
from sources.ofsted.parse import ProviderPage

# The MI file is published monthly and Parent View's figures move slowly: read them about
# weekly whatever `interval` says (the provider page is read every poll).
MI_EVERY = timedelta(days=7)
PARENT_VIEW_EVERY = timedelta(days=7)


async def poll(
    http: PoliteClient, config: OfstedConfig, state_cursor: Mapping[str, Any]
) -> FetchResult:
    """New reports on the provider page (and in the MI file), and changed Parent View figures."""
    now = http.now()
    cursor = OfstedCursor.from_json(state_cursor)
    site = OfstedSite(http)
    before = http.requests_made
    mi = cursor.mi
    if config.mi_url is not None and (
        mi is None
        or now - mi.checked >= MI_EVERY
        or (config.provider_url is None and cursor.provider_url is None)
    ):
        mi = await read_mi(site, config, config.mi_url, mi, now)
    provider_url = config.provider_url or (mi.row.web_link if mi else None) or cursor.provider_url
    if provider_url is None:
        raise SourceFormatError(
            f"URN {config.school_urn}: the management information gives no Web Link to the"
            " provider page; set provider_url"
        )
    page = await site.provider_page(provider_url)
    items, latest = report_items(page, mi, cursor, provider_url)
    files = (cursor.files or frozenset()) | {pub.file_id for pub in page.publications}
    seen = cursor.parent_view
    if config.parent_view and (seen is None or now - seen.checked >= PARENT_VIEW_EVERY):
        found = await site.parent_view(config.results_url)
        results = found.results
        if seen is None or (results.responses, results.up_to, results.agree) != (
            seen.responses,
            seen.up_to,
            seen.agree,
        ):
            previous = seen.agree if seen is not None else ()
            items.append(parent_view_item(results, found.url, previous, baseline=seen is None))
        seen = ParentViewSeen(now, results.responses, results.up_to, results.agree)
    saved = OfstedCursor(
        files=files,
        latest=latest,
        provider_url=None if config.provider_url else provider_url,
        mi=mi,
        parent_view=seen,
    )
    return FetchResult(
        items,
        saved.to_json(),
        requests=http.requests_made - before,
        skipped=page.read.skipped,
    )


async def read_mi(
    site: OfstedSite,
    config: OfstedConfig,
    url: str,
    known: ManagementInformation | None,
    now: datetime,
) -> ManagementInformation:
    """The newest MI file's row for this school (the file is downloaded only when newer)."""
    file, fetched = await site.newest_mi_file(url)
    if known is not None and file.as_at <= known.as_at and fetched is None:
        return ManagementInformation(known.as_at, now, known.url, known.row)
    urn = config.school_urn
    assert urn is not None  # guaranteed by OfstedConfig._where_to_look
    row = await site.mi_row(file, urn, fetched)
    return ManagementInformation(file.as_at, now, file.url, row)


def report_items(
    page: ProviderPage, mi: ManagementInformation | None, cursor: OfstedCursor, provider_url: str
) -> tuple[list[Item], Report | None]:
    """Mentions of reports new or changed since the cursor, and the latest report now."""
    history = cursor.files is None  # the page was never read: what it lists is not news
    newest = page.publications[0] if page.publications else None
    row = mi.row if mi is not None else None
    latest: Report | None = cursor.latest
    latest_baseline = history
    if (
        row is not None
        and row.start is not None
        and (newest is None or newest.start is None or row.start > newest.start)
    ):
        # The MI file knows an inspection the page does not list yet.
        latest = mi_report(row, provider_url, cursor.latest)
        latest_baseline = history or cursor.mi is None
    elif newest is not None:
        latest = page_report(newest, page.grades, row, cursor.latest)
    found: dict[str, Item] = {}
    if latest is not None and latest != cursor.latest:
        found[latest.key] = report_item(latest, baseline=latest_baseline)
    for publication in page.publications:
        if cursor.files is not None and publication.file_id in cursor.files:
            continue
        if latest is not None and publication.key == latest.key:
            continue  # the latest report's mention is the one above, with its grades
        found.setdefault(publication.key, older_item(publication, baseline=history))
    return list(found.values()), latest
