"""What the ofsted source remembers between polls, as JSON in its cursor.

    {"files": ["50298765", ...],          the provider page's publications already stored
     "latest": {...},                       the latest report as last stored (grades, MI facts)
     "provider_url": "...",                 the page found from the MI file's Web Link
     "mi": {"as_at": "2026-01-31", "checked": "...", "url": "...", "row": {...}},
     "parent_view": {"checked": "...", "responses": 84, "up_to": "...", "agree": [["happy", 85]]}}

`files` absent means the page was never read: everything on it then is history (baseline), not
news. A malformed part is dropped, and reads as never read: history again, never an alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from monitor.model import FactsError, InspectionFacts, facts_from_json, facts_to_json
from monitor.times import utc_iso
from sources.ofsted.items import Report
from sources.ofsted.management import MiRow


@dataclass(frozen=True, slots=True)
class ManagementInformation:
    """The MI file last read: its date, when it was checked, and this school's row."""

    as_at: date
    checked: datetime
    url: str
    row: MiRow


@dataclass(frozen=True, slots=True)
class ParentViewSeen:
    """Parent View's figures as last read, and when."""

    checked: datetime
    responses: int
    up_to: date | None
    agree: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class OfstedCursor:
    """The saved state of one ofsted source."""

    files: frozenset[str] | None = None  # None: the provider page was never read
    latest: Report | None = None
    provider_url: str | None = None
    mi: ManagementInformation | None = None
    parent_view: ParentViewSeen | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OfstedCursor:
        """The cursor saved last time; a malformed part is dropped (it is read afresh)."""
        files = data.get("files")
        provider_url = data.get("provider_url")
        return cls(
            files=frozenset(files)
            if isinstance(files, list) and all(isinstance(f, str) for f in files)
            else None,
            latest=_or_none(report_from_json, data.get("latest")),
            provider_url=provider_url if isinstance(provider_url, str) else None,
            mi=_or_none(mi_from_json, data.get("mi")),
            parent_view=_or_none(parent_view_from_json, data.get("parent_view")),
        )

    def to_json(self) -> dict[str, Any]:
        """The cursor as JSON for the scan to save."""
        data: dict[str, Any] = {}
        if self.files is not None:
            data["files"] = sorted(self.files)
        if self.latest is not None:
            data["latest"] = report_to_json(self.latest)
        if self.provider_url is not None:
            data["provider_url"] = self.provider_url
        if self.mi is not None:
            row = asdict(self.mi.row)
            data["mi"] = {
                "as_at": self.mi.as_at.isoformat(),
                "checked": utc_iso(self.mi.checked),
                "url": self.mi.url,
                "row": {key: _json_value(value) for key, value in row.items()},
            }
        if self.parent_view is not None:
            seen = self.parent_view
            data["parent_view"] = {
                "checked": utc_iso(seen.checked),
                "responses": seen.responses,
                "up_to": seen.up_to.isoformat() if seen.up_to else None,
                "agree": [list(pair) for pair in seen.agree],
            }
        return data


def report_to_json(report: Report) -> dict[str, Any]:
    """A report as JSON (its facts as storage keeps them)."""
    return {
        "key": report.key,
        "url": report.url,
        "dates": report.dates,
        "file_id": report.file_id,
        "inspection_number": report.inspection_number,
        "facts": facts_to_json(report.facts),
    }


def report_from_json(data: Mapping[str, Any]) -> Report:
    """A report saved by `report_to_json`; ValueError or KeyError when malformed."""
    facts = facts_from_json(data["facts"])
    if not isinstance(facts, InspectionFacts):
        raise ValueError("not inspection facts")
    key, url, dates = data["key"], data["url"], data["dates"]
    file_id, number = data.get("file_id"), data.get("inspection_number")
    if not all(isinstance(value, str) for value in (key, url, dates)) or not all(
        value is None or isinstance(value, str) for value in (file_id, number)
    ):
        raise ValueError("malformed report")
    return Report(key, url, dates, file_id, number, facts)


def mi_from_json(data: Mapping[str, Any]) -> ManagementInformation:
    """The MI part of the cursor; ValueError, KeyError or TypeError when malformed."""
    row = dict(data["row"])
    for name in ("as_at", "start", "published"):
        row[name] = date.fromisoformat(row[name]) if row.get(name) else None
    row["grades"] = tuple((str(area), str(grade)) for area, grade in row["grades"])
    return ManagementInformation(
        as_at=date.fromisoformat(data["as_at"]),
        checked=datetime.fromisoformat(data["checked"]),
        url=str(data["url"]),
        row=MiRow(**row),
    )


def parent_view_from_json(data: Mapping[str, Any]) -> ParentViewSeen:
    """The Parent View part of the cursor; ValueError, KeyError or TypeError when malformed."""
    up_to = data.get("up_to")
    return ParentViewSeen(
        checked=datetime.fromisoformat(data["checked"]),
        responses=int(data["responses"]),
        up_to=date.fromisoformat(up_to) if up_to else None,
        agree=tuple((str(key), int(share)) for key, share in data["agree"]),
    )


def _or_none(read: Any, value: object) -> Any:
    """`read(value)`, or None when the value is absent or malformed."""
    if not isinstance(value, Mapping):
        return None
    try:
        return read(value)
    except (KeyError, TypeError, ValueError, FactsError):
        return None


def _json_value(value: object) -> object:
    """A dataclass field as JSON: dates as ISO text, pairs as lists."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [list(pair) if isinstance(pair, tuple) else pair for pair in value]
    return value
