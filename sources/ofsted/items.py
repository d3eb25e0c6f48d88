"""Report and Parent View mentions built from what the pages and the MI file said.

A report is one `report` item per inspection, its external id the inspection's start date
("inspection:2026-02-03"), so the provider page and the management information, which know the
same inspection by different numbers, name one mention. Its text lists every area's grade and
the safeguarding judgement (or an older report's overall grade); the facts the rules read go
with it as `InspectionFacts`. Parent View's figures are one `report` item per change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from monitor.model import InspectionFacts, Item, ItemType, ParentViewFacts
from sources.ofsted.management import MiRow
from sources.ofsted.parse import Grades, ParentViewResults, Publication

OGL = "Open Government Licence v3.0"
QUESTION_LABELS = {
    "happy": "My child is happy at this school",
    "safe": "My child feels safe at this school",
    "behaviour": "The school makes sure pupils are well behaved",
    "bullying": "The school deals with bullying well",
    "send": "My child with SEND gets the support they need",
    "communication": "The school communicates well with me",
    "concerns": "Concerns I raised were dealt with properly",
    "best_interests": "The school has my child's best interests at heart",
    "learning_support": "My child gets the right support to learn well",
    "recommend": "I would recommend this school to another parent",
}


@dataclass(frozen=True, slots=True)
class Report:
    """One inspection as the monitor knows it: where it is, and its facts."""

    key: str  # the mention's external id
    url: str  # the report's PDF, else the provider page
    dates: str  # "3 February 2026 - 4 February 2026"
    file_id: str | None  # the PDF's id on files.ofsted.gov.uk (None: known from the MI file)
    inspection_number: str | None  # the MI file's number for it (None: not in the MI file)
    facts: InspectionFacts


def page_report(
    publication: Publication, grades: Grades | None, mi: MiRow | None, before: Report | None
) -> Report:
    """The report of a timeline publication, with the page's grades if they are its own."""
    confirmed = mi if mi is not None and mi.key == publication.key else None
    areas = grades.areas if grades is not None else ()
    safeguarding = grades.safeguarding if grades is not None else None
    overall = grades.overall if grades is not None else None
    if confirmed is not None and (grades is None or grades.empty):
        areas, safeguarding, overall = confirmed.grades, confirmed.safeguarding, confirmed.overall
    facts = InspectionFacts(
        report=publication.report,
        inspection_start=publication.start,
        inspection_end=publication.end,
        grades=areas,
        safeguarding=safeguarding,
        overall=overall,
        category_of_concern=confirmed.category_of_concern if confirmed else None,
        previous_grades=(),
        previous_overall=None,
        management_information=confirmed.as_at if confirmed else None,
    )
    report = Report(
        key=publication.key,
        url=publication.url,
        dates=publication.dates,
        file_id=publication.file_id,
        inspection_number=confirmed.inspection_number if confirmed else None,
        facts=facts,
    )
    return with_previous(report, before)


def mi_report(mi: MiRow, provider_url: str, before: Report | None) -> Report:
    """A report the MI file knows of before the provider page shows it."""
    start = mi.start
    facts = InspectionFacts(
        report=mi.inspection_type or "Inspection",
        inspection_start=start,
        inspection_end=start,
        grades=mi.grades,
        safeguarding=mi.safeguarding,
        overall=mi.overall,
        category_of_concern=mi.category_of_concern,
        previous_grades=(),
        previous_overall=None,
        management_information=mi.as_at,
    )
    dates = f"from {long_date(start)}" if start else f"inspection {mi.inspection_number}"
    report = Report(mi.key, provider_url, dates, None, mi.inspection_number, facts)
    return with_previous(report, before)


def with_previous(report: Report, before: Report | None) -> Report:
    """The report with the grades of the one before it (kept when it is the same inspection)."""
    if before is None:
        return report
    if before.key == report.key:
        grades, overall = before.facts.previous_grades, before.facts.previous_overall
    else:
        grades, overall = before.facts.grades, before.facts.overall
    facts = replace(report.facts, previous_grades=grades, previous_overall=overall)
    return replace(report, facts=facts)


def report_item(report: Report, *, baseline: bool = False) -> Item:
    """The mention of an inspection report: every grade in its text, the facts beside it."""
    facts = report.facts
    title = f"Ofsted {facts.report}, {report.dates}"
    lines = [f"{title}."]
    lines += [f"{area}: {grade}" for area, grade in facts.grades]
    if facts.safeguarding is not None:
        lines.append(f"Safeguarding: {facts.safeguarding}")
    if facts.overall is not None:
        lines.append(f"Overall effectiveness: {facts.overall}")
    if not (facts.grades or facts.safeguarding or facts.overall):
        lines.append("The grades are in the report.")
    if facts.category_of_concern is not None:
        lines.append(f"Category of concern: {facts.category_of_concern}")
    if facts.management_information is not None:
        lines.append(
            f"Ofsted management information as at {long_date(facts.management_information)}"
            f" ({OGL})."
        )
    extra: dict[str, str] = {}
    if report.file_id is not None:
        extra["file_id"] = report.file_id
    if report.inspection_number is not None:
        extra["inspection_number"] = report.inspection_number
    return Item(
        external_id=report.key,
        item_type=ItemType.REPORT,
        text="\n".join(lines),
        url=report.url,
        title=title,
        extra=extra,
        baseline=baseline,
        facts=facts,
    )


def older_item(publication: Publication, *, baseline: bool = False) -> Item:
    """The mention of a report the page lists without its grades (an older one)."""
    title = f"Ofsted {publication.report}, {publication.dates}"
    return Item(
        external_id=publication.key,
        item_type=ItemType.REPORT,
        text=f"{title}. The grades are in the report.",
        url=publication.url,
        title=title,
        extra={"file_id": publication.file_id},
        baseline=baseline,
    )


def parent_view_item(
    results: ParentViewResults,
    url: str,
    previous: Sequence[tuple[str, int]],
    *,
    baseline: bool = False,
) -> Item:
    """One mention of Parent View's figures: the count, each question's share agreeing."""
    when = f" up to {long_date(results.up_to)}" if results.up_to else ""
    title = f"Ofsted Parent View: {results.responses} responses{when}"
    lines = [f"Figures based on {results.responses} responses{when}."]
    lines += [f"{QUESTION_LABELS[key]}: {share}% agree" for key, share in results.agree]
    up_to = results.up_to.isoformat() if results.up_to else None
    return Item(
        external_id=f"parent_view:{up_to or 'undated'}:{results.responses}",
        item_type=ItemType.REPORT,
        text="\n".join(lines),
        url=url,
        title=title,
        extra={"responses": results.responses, "up_to": up_to, "agree": dict(results.agree)},
        baseline=baseline,
        facts=ParentViewFacts(results.responses, results.up_to, results.agree, tuple(previous)),
    )


def long_date(day: date) -> str:
    """3 February 2026."""
    return f"{day.day} {day:%B %Y}"
