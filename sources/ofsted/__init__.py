"""Ofsted: new inspection reports and report cards with their grades, and Parent View's figures.

No Ofsted API exists (sources.md 6). Each poll reads the school's provider page on the reports
site (`api.py`, parsed in `parse.py`): a publication with a new file id is a new report, one
`report` mention with every area's grade, the safeguarding judgement or an older report's
overall grade, handed to the rules as `InspectionFacts` (`items.py`). The first read of the
page is history: stored, never alerted. A grade that changes on the page without a new
publication is an update of the latest report's mention. Optionally, about weekly: the monthly
management-information file (`management.py`, OGL: its "as at" date is always shown), which can
confirm a report, add its category of concern, or add a report the page does not show yet; and
Parent View's results page, one mention per change of its figures. What it remembers:
`cursor.py`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from monitor.config.units import PositiveDuration
from monitor.model import FetchResult, InspectionFacts, Item, ParentViewFacts, SourceState
from sources.base import SourceConfig, register
from sources.capabilities import UPGRADE, Advice, Capabilities, Remedies
from sources.errors import SourceFormatError
from sources.http import PoliteClient
from sources.ofsted.api import OfstedSite
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

PARENT_VIEW_URL = "https://parentview.ofsted.gov.uk/parent-view-results/urn/{urn}"
# The MI file is published monthly and Parent View's figures move slowly: read them about
# weekly whatever `interval` says (the provider page is read every poll).
MI_EVERY = timedelta(days=7)
PARENT_VIEW_EVERY = timedelta(days=7)
URN_AT_END = re.compile(r"/(\d{5,8})/?$")


def _http_url(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL")
    return value


class OfstedConfig(SourceConfig):
    """The school's inspection reports and Parent View on Ofsted's sites."""

    interval: PositiveDuration = Field(
        timedelta(days=1), description='How often the provider page is read: "1d" at most.'
    )
    provider_url: str | None = Field(
        None,
        description="The school's page on reports.ofsted.gov.uk, whole"
        " (https://reports.ofsted.gov.uk/provider/{category}/{URN}).",
    )
    urn: str | None = Field(
        None, description="The school's unique reference number (else read from provider_url)."
    )
    mi_url: str | None = Field(
        None,
        description="The management-information data-set page on gov.uk (or one of its CSV"
        " files): checks the latest inspection and finds provider_url from urn.",
    )
    parent_view: bool = Field(True, description="Also read Parent View's results, weekly.")
    parent_view_url: str | None = Field(
        None, description="Parent View's results page (default: the one for urn)."
    )

    @field_validator("provider_url", "mi_url", "parent_view_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return _http_url(value)

    @field_validator("urn")
    @classmethod
    def _urn(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{5,8}", value.strip()):
            raise ValueError("must be the school's URN: 5 to 8 digits")
        return None if value is None else value.strip()

    @model_validator(mode="after")
    def _where_to_look(self) -> OfstedConfig:
        if self.provider_url is None and (self.urn is None or self.mi_url is None):
            raise ValueError("give provider_url, or urn with mi_url to find it")
        if self.mi_url is not None and self.school_urn is None:
            raise ValueError("mi_url needs urn (or a provider_url ending in the URN)")
        if self.parent_view and self.parent_view_url is None and self.school_urn is None:
            raise ValueError(
                "parent_view needs urn, parent_view_url or a provider_url ending in the URN"
            )
        return self

    @property
    def school_urn(self) -> str | None:
        """The URN: as configured, else the last part of provider_url."""
        if self.urn is not None:
            return self.urn
        match = URN_AT_END.search(urlsplit(self.provider_url or "").path)
        return match[1] if match else None

    @property
    def results_url(self) -> str:
        """Parent View's results page for the school."""
        return self.parent_view_url or PARENT_VIEW_URL.format(urn=self.school_urn)


CAPABILITIES = Capabilities(
    advice=Advice(
        respond="Ofsted takes no replies: tell parents first, with a short statement on the"
        " school's website and in a letter, before they read the report elsewhere.",
        remove="A published report is not withdrawn: a factual inaccuracy goes through Ofsted's"
        " complaints procedure (raise it while the report is still in draft if you can).",
    ),
    remedies=Remedies(
        failing="retried with backoff; if it goes on, open provider_url in a browser and check"
        " the last error (docs/sources/ofsted.md, Politeness and failures)",
        auth_expired="Ofsted's sites need no login: something between us and them refuses the"
        " requests; check the last error and any proxy (docs/sources/ofsted.md)",
        blocked="Ofsted's site refuses the monitor (HTTP 403 or robots.txt): do not poll faster;"
        " see docs/sources/ofsted.md, Politeness and failures",
        parser_broken="Ofsted changed a page, or Parent View draws its figures with JavaScript:"
        " the last error names the page (docs/sources/ofsted.md, When a page changes); set"
        " parent_view = false if it is Parent View, else " + UPGRADE,
    ),
    facts=(InspectionFacts, ParentViewFacts),  # ofsted_report and parent_view_fall read them
)


@register("ofsted", OfstedConfig, CAPABILITIES)
async def fetch(http: PoliteClient, config: OfstedConfig, state: SourceState) -> FetchResult:
    """New reports on the provider page (and in the MI file), and changed Parent View figures."""
    now = http.now()
    cursor = OfstedCursor.from_json(state.cursor)
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
