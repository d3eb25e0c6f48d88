"""Post times as Mumsnet shows them (UK local, "Today"/"Yesterday"/dd/mm/yyyy + HH:MM) → UTC.

The site shows wall-clock time in Europe/London, so the same "12:00" is 11:00Z in summer (BST)
and 12:00Z in winter (GMT). "Today" means today in London, which is not today in UTC between
midnight and 01:00 during BST. The moment "now" comes from the caller's clock, so tests are
deterministic. A time that falls in the hour skipped in spring is read as the moment after the
skip; one in the hour repeated in autumn as its first occurrence.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
POSTED = re.compile(
    r"(?P<day>Today|Yesterday|\d{1,2}/\d{1,2}/\d{4})\s*(?:at\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})",
    re.I,
)


def parse_posted(label: str, now: datetime, zone: ZoneInfo = LONDON) -> datetime | None:
    """The UTC moment of a label such as "Today 19:42" or "24/10/2026 21:14"; None if unreadable."""
    match = POSTED.search(label)
    if match is None:
        return None
    day = _day(match["day"], now.astimezone(zone).date())
    hour, minute = int(match["hour"]), int(match["minute"])
    if day is None or hour > 23 or minute > 59:
        return None
    local = datetime.combine(day, time(hour, minute), zone)
    # Round-tripping through UTC moves a non-existent spring-forward time past the gap.
    return local.astimezone(UTC)


def _day(text: str, today: date) -> date | None:
    word = text.lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    day, month, year = (int(part) for part in text.split("/"))
    try:
        return date(year, month, day)
    except ValueError:
        return None
