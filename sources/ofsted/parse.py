"""Pure: the provider page and the Parent View results page → typed values. Every selector here.

The provider page (sources.md 6) lists inspections newest first as `ol.timeline >
li.timeline__day`; a publication has an `a.publication-link` to its PDF on files.ofsted.gov.uk
whose `span.nonvisual` reads "{type}, {start date} - {end date}". Events without a publication
(a school opening) are skipped. The latest grades are `div.subjudgements__overall` and
`div.subjudgements__rates__item`, each `<p>{Area}:</p><strong>{Grade}</strong>`. No page was
read directly when this was written, so a page without the timeline is an error naming the
page, never "nothing new".

Parent View's markup is not documented and its figures may be drawn by JavaScript: the page is
read as text ("1. My child is happy at this school." … "Strongly agree 45%" "Agree 40%" …
"Figures based on 84 responses up to 14-01-2026"), and a page without the figures is an error
that says so, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bs4 import BeautifulSoup, Tag

from sources.common.items import ReadItems, read_each
from sources.common.text import one_line
from sources.errors import SourceFormatError

FILE_ID = re.compile(r"/v1/file/(\d+)(?:[/?#]|$)")
OVERALL_AREAS = ("overall effectiveness",)
SAFEGUARDING_AREAS = ("safeguarding", "safeguarding standards")
DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%d/%m/%Y")
MAX_NAME = 120  # characters kept of an area, a grade or a report type

# Parent View's questions (from November 2025) → the key kept in facts and extra. A question is
# known by a phrase of it; older questionnaires' wordings are listed beside the current ones.
QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("happy", ("child is happy",)),
    ("safe", ("child feels safe",)),
    ("behaviour", ("well behaved", "behaviour")),
    ("bullying", ("bullying",)),
    ("send", ("special educational needs", "send")),
    ("communication", ("communicates well", "lets me know how my child is doing")),
    ("concerns", ("raised concerns", "concerns")),
    ("best_interests", ("best interests",)),
    ("learning_support", ("support to enable them to learn", "learn well")),
    ("recommend", ("recommend this school",)),
)
QUESTION_START = re.compile(r"^\s*(\d{1,2})\.\s+(.+)$")
PERCENT = r"(\d{1,3})\s*%"
FIGURES = re.compile(
    r"Figures based on\s+(\d[\d,]*)\s+responses?(?:\s+up to\s+(\d{1,2}[-/]\d{1,2}[-/]\d{4}))?",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Publication:
    """One report in the provider page's timeline."""

    file_id: str
    url: str  # the report's PDF
    report: str  # "Report card", "School inspection report"
    dates: str  # as published: "3 February 2026 - 4 February 2026"
    start: date | None
    end: date | None

    @property
    def key(self) -> str:
        """Which inspection this reports on: its start date, else the file (no date to read)."""
        return f"inspection:{self.start.isoformat()}" if self.start else f"file:{self.file_id}"


@dataclass(frozen=True, slots=True)
class Grades:
    """The latest grades the provider page shows."""

    areas: tuple[tuple[str, str], ...]  # (area, grade), safeguarding and overall apart
    safeguarding: str | None
    overall: str | None

    @property
    def empty(self) -> bool:
        """True when the page shows no grade at all."""
        return not self.areas and self.safeguarding is None and self.overall is None


@dataclass(frozen=True, slots=True)
class ProviderPage:
    """What the provider page says: its publications (newest first) and the latest grades."""

    school: str | None
    publications: tuple[Publication, ...]
    grades: Grades
    read: ReadItems[Publication]


@dataclass(frozen=True, slots=True)
class ParentViewResults:
    """Parent View's figures: how many answered, up to when, and the share agreeing per question."""

    responses: int
    up_to: date | None
    agree: tuple[tuple[str, int], ...]  # (question key, per cent), in QUESTIONS order


def parse_provider_page(html: str, label: str) -> ProviderPage:
    """The provider page's publications and grades; SourceFormatError without the timeline."""
    soup = BeautifulSoup(html, "html.parser")
    timeline = soup.select_one("ol.timeline")
    if timeline is None:
        raise SourceFormatError(
            f"{label}: no report timeline (ol.timeline) on the provider page; the page changed"
            " or is not a school's page on the Ofsted reports site"
        )
    days = timeline.select("li.timeline__day")
    links = [link for day in days if (link := day.select_one("a.publication-link")) is not None]
    read = read_each(links, lambda link, _: publication(link, label))
    heading = soup.select_one("h1.heading--title") or soup.select_one("h1")
    school = one_line(heading.get_text(" "), MAX_NAME) if heading is not None else None
    return ProviderPage(school or None, tuple(read.items), page_grades(soup), read)


def publication(link: Tag, label: str) -> Publication:
    """One timeline publication; SourceFormatError when its link or description is unreadable."""
    href = str(link.get("href") or "")
    match = FILE_ID.search(href)
    if match is None:
        raise SourceFormatError(f"{label}: a publication link is not a files.ofsted.gov.uk file")
    hidden = link.select_one("span.nonvisual")
    description = one_line(hidden.get_text(" "), 300) if hidden is not None else ""
    report, _, dates = description.partition(",")
    if not report.strip() or not dates.strip():
        raise SourceFormatError(f"{label}: publication {match[1]} has no '{{type}}, {{dates}}'")
    start, end = inspection_dates(dates)
    return Publication(
        file_id=match[1],
        url=href,
        report=one_line(report, MAX_NAME),
        dates=one_line(dates, MAX_NAME),
        start=start,
        end=end,
    )


def inspection_dates(text: str) -> tuple[date | None, date | None]:
    """The start and end of "3 February 2026 - 4 February 2026" (one date: both the same)."""
    parts = [part.strip() for part in re.split(r"\s+[-–—]\s+|\s+to\s+", text.strip()) if part]
    days = [read_date(part) for part in parts[:2]]
    if not days or days[0] is None:
        return None, None
    return days[0], days[-1] or days[0]


def read_date(text: str) -> date | None:
    """A date as Ofsted writes it ("3 February 2026", "3 Feb 2026", "03/02/2026"), or None."""
    for layout in DATE_FORMATS:
        try:
            return datetime.strptime(" ".join(text.split()), layout).date()
        except ValueError:
            continue
    return None


def page_grades(soup: BeautifulSoup) -> Grades:
    """The grades shown on the page: areas, safeguarding and an older report's overall grade."""
    areas: list[tuple[str, str]] = []
    safeguarding = overall = None
    blocks = soup.select("div.subjudgements__overall, div.subjudgements__rates__item")
    for block in blocks:
        name, grade = block.find("p"), block.find("strong")
        if name is None or grade is None:
            continue
        area = one_line(name.get_text(" "), MAX_NAME).rstrip(":").strip()
        value = one_line(grade.get_text(" "), MAX_NAME)
        if not area or not value:
            continue
        if area.lower() in OVERALL_AREAS:
            overall = value
        elif area.lower() in SAFEGUARDING_AREAS:
            safeguarding = value
        elif area not in dict(areas):
            areas.append((area, value))
    return Grades(tuple(areas), safeguarding, overall)


def parse_parent_view(html: str, label: str) -> ParentViewResults:
    """The figures on a Parent View results page; SourceFormatError when they are not in it."""
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "noscript", "template"]):
        hidden.decompose()
    lines = [" ".join(line.split()) for line in soup.get_text("\n").splitlines()]
    lines = [line for line in lines if line]
    counts = [
        (int(match[1].replace(",", "")), match[2])
        for line in lines
        if (match := FIGURES.search(line)) is not None
    ]
    if not counts:
        raise SourceFormatError(
            f"{label}: no 'Figures based on N responses' in the served page: the results may be"
            " drawn by JavaScript, or the school has too few responses to publish"
        )
    agree = question_figures(lines)
    if not agree:
        raise SourceFormatError(f"{label}: Parent View shows no question's percentages")
    responses, up_to = max(counts, key=lambda count: count[0])
    return ParentViewResults(responses, read_date((up_to or "").replace("-", "/")), agree)


def question_figures(lines: Sequence[str]) -> tuple[tuple[str, int], ...]:
    """(question key, per cent agreeing) for each known question the lines give figures for."""
    found: dict[str, int] = {}
    starts = [
        (index, match[2])
        for index, line in enumerate(lines)
        if (match := QUESTION_START.match(line)) is not None
    ]
    for number, (start, question) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(lines)
        segment = " ".join(lines[start:end])
        key = question_key(question)
        value = agree_share(segment, yes=key == "recommend")
        if key is not None and value is not None and key not in found:
            found[key] = value
    return tuple((key, found[key]) for key, _ in QUESTIONS if key in found)


def question_key(question: str) -> str | None:
    """The key of a Parent View question from its words, or None for one not known."""
    words = question.lower().replace("’", "'")
    return next(
        (key for key, phrases in QUESTIONS if any(phrase in words for phrase in phrases)), None
    )


def agree_share(segment: str, *, yes: bool) -> int | None:
    """Per cent answering "Yes" (yes=True), else "Strongly agree" plus "Agree"; None if absent."""
    if yes:
        match = re.search(rf"(?<![A-Za-z])Yes\s*:?\s*{PERCENT}", segment)
        return None if match is None else min(int(match[1]), 100)
    strongly = re.search(rf"Strongly agree\s*:?\s*{PERCENT}", segment, re.IGNORECASE)
    agree = re.search(rf"(?<!Strongly )(?<!Dis)(?<!dis)\bAgree\s*:?\s*{PERCENT}", segment)
    if strongly is None and agree is None:
        return None
    total = (int(strongly[1]) if strongly else 0) + (int(agree[1]) if agree else 0)
    return min(total, 100)
