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

from typing import TYPE_CHECKING

from monitor.model import FetchResult, InspectionFacts, ParentViewFacts, SourceState
from sources.base import register
from sources.capabilities import UPGRADE, Advice, Capabilities, Remedies
from sources.ofsted.config import OfstedConfig

if TYPE_CHECKING:
    from sources.http import PoliteClient

__all__ = ["CAPABILITIES", "OfstedConfig", "fetch"]


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
    # Imported here: loading the config (every command) must not load what fetching needs.
    from sources.ofsted.poll import poll

    return await poll(http, config, state.cursor)
