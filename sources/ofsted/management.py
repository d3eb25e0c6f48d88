"""Pure: Ofsted's monthly management information (MI) → this school's latest inspection.

The gov.uk data set "Monthly management information: Ofsted's school inspections outcomes"
links a CSV per month ("State-funded schools ... latest inspections as at {date}", a file
named like `..._latest_inspections_..._as_at_{d}_{Month}_{yyyy}.csv`); `mi_url` may name that
page (the newest file linked is read) or one CSV. Each row is a school by `URN`; report-card
grades have their own columns, older reports an OEIF overall grade (1–4, 9 = not judged).
Dates are dd/mm/yyyy. The data is Open Government Licence v3: whatever is shown from it says
"as at" which date, since an out-of-date rating shown as current is an offence.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup

from sources.common.text import one_line
from sources.errors import SourceFormatError
from sources.ofsted.parse import read_date

AS_AT = re.compile(r"as[ _]at[ _](\d{1,2})[ _]([A-Za-z]+)[ _](\d{4})", re.IGNORECASE)
LATEST = re.compile(r"latest[ _]inspections", re.IGNORECASE)

URN = "URN"
WEB_LINK = "Web Link (opens in new window)"
INSPECTION_NUMBER = "Inspection number of latest full inspection"
INSPECTION_TYPE = "Inspection type"
START_DATE = "Inspection start date"
PUBLICATION_DATE = "Publication date"
CATEGORY = "Category of concern"
SAFEGUARDING = "Safeguarding standards"
OVERALL = "Latest OEIF overall effectiveness"
UNGRADED = "Ungraded inspection overall outcome"
# Report-card areas in the order a report card lists them (early years and post-16 where they
# apply); each has a "... - date of grade" column beside it.
AREAS = (
    "Inclusion",
    "Curriculum and teaching",
    "Achievement",
    "Attendance and behaviour",
    "Personal development and wellbeing",
    "Early years (where applicable)",
    "Post-16 provision (where applicable)",
    "Leadership and governance",
)
REQUIRED = (URN, INSPECTION_NUMBER, START_DATE)
OEIF = {"1": "Outstanding", "2": "Good", "3": "Requires improvement", "4": "Inadequate"}
NO_VALUE = frozenset({"", "null", "na", "n/a", "not applicable", "none", "no", "9", "-"})
MAX_VALUE = 120


@dataclass(frozen=True, slots=True)
class MiFile:
    """One month's CSV: where it is and the date it is "as at"."""

    url: str
    as_at: date


@dataclass(frozen=True, slots=True)
class MiRow:
    """This school's row of one MI file."""

    as_at: date
    web_link: str | None
    inspection_number: str
    inspection_type: str | None
    start: date | None
    published: date | None
    category_of_concern: str | None
    safeguarding: str | None
    grades: tuple[tuple[str, str], ...]  # (area, grade) of the areas graded
    overall: str | None  # an older report's OEIF grade in words, or the ungraded outcome

    @property
    def key(self) -> str:
        """Which inspection the row reports on (as `Publication.key`)."""
        if self.start is not None:
            return f"inspection:{self.start.isoformat()}"
        return f"mi:{self.inspection_number}"


def newest_file(html: str, base_url: str, label: str) -> MiFile:
    """The newest "latest inspections as at {date}" CSV the data-set page links to."""
    soup = BeautifulSoup(html, "html.parser")
    found: list[MiFile] = []
    for link in soup.select("a[href]"):
        href = urljoin(base_url, str(link.get("href")))
        name = unquote(urlsplit(href).path.rsplit("/", 1)[-1])
        text = " ".join(link.get_text(" ").split())
        if not name.lower().endswith(".csv"):
            continue
        if not (LATEST.search(name) or LATEST.search(text)):
            continue
        as_at = as_at_date(text) or as_at_date(name)
        if as_at is not None:
            found.append(MiFile(href, as_at))
    if not found:
        raise SourceFormatError(
            f"{label}: no 'latest inspections as at {{date}}' CSV linked from the data-set page"
        )
    return max(found, key=lambda file: file.as_at)


def as_at_date(text: str) -> date | None:
    """The date of "as at 31 December 2025" or "as_at_31_Dec_2025", or None."""
    match = AS_AT.search(text)
    return None if match is None else read_date(f"{match[1]} {match[2]} {match[3]}")


def school_row(content: bytes, urn: str, as_at: date, label: str) -> MiRow:
    """This school's row of the CSV; SourceFormatError when the columns or the URN are missing."""
    reader = csv.DictReader(io.StringIO(decoded(content)))
    columns = {name.strip() for name in reader.fieldnames or ()}
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise SourceFormatError(f"{label}: the MI file has no column {', '.join(missing)}")
    for raw in reader:
        row = {str(key).strip(): (value or "").strip() for key, value in raw.items() if key}
        if row.get(URN) == urn:
            return mi_row(row, as_at)
    raise SourceFormatError(
        f"{label}: URN {urn} is not in the management information as at {as_at:%d %B %Y}"
    )


def decoded(content: bytes) -> str:
    """The CSV's text: UTF-8 (with or without a byte-order mark), else Windows-1252."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def mi_row(row: Mapping[str, str], as_at: date) -> MiRow:
    """The typed row."""
    grades = tuple((area, grade) for area in AREAS if (grade := value(row, area)) is not None)
    overall_code = (row.get(OVERALL) or "").strip()
    overall = OEIF.get(overall_code) or value(row, UNGRADED)
    return MiRow(
        as_at=as_at,
        web_link=value(row, WEB_LINK),
        inspection_number=row[INSPECTION_NUMBER],
        inspection_type=value(row, INSPECTION_TYPE),
        start=dd_mm_yyyy(row.get(START_DATE)),
        published=dd_mm_yyyy(row.get(PUBLICATION_DATE)),
        category_of_concern=value(row, CATEGORY),
        safeguarding=value(row, SAFEGUARDING),
        grades=tuple((short_area(area), grade) for area, grade in grades),
        overall=overall,
    )


def value(row: Mapping[str, str], column: str) -> str | None:
    """A cell's text, or None for an empty or "not applicable" cell."""
    text = one_line(row.get(column) or "", MAX_VALUE)
    return None if text.lower() in NO_VALUE else text


def short_area(column: str) -> str:
    """An area as the report card names it ("Early years", not "... (where applicable)")."""
    return column.removesuffix(" (where applicable)")


def dd_mm_yyyy(text: str | None) -> date | None:
    """A dd/mm/yyyy date, or None."""
    try:
        return datetime.strptime((text or "").strip(), "%d/%m/%Y").date()
    except ValueError:
        return None
