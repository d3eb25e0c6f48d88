"""When things happen: the digest's cron schedule and the quiet hours for urgent mail.

    parse_cron("30 7 * * 1-5") -> CronSchedule     fields spelled for APScheduler's CronTrigger
    parse_quiet_hours("21:00-07:00") -> QuietHours  a daily window that may run past midnight

CronSetting and QuietHoursSetting are the types a config model declares: they accept the text
written in config.toml. ValueError messages name the field that is wrong, never the text given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict


class QuietHours(BaseModel):
    """A daily window "HH:MM-HH:MM" in the school's time zone; it may run past midnight."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        """True when `moment` (a local wall-clock time) falls inside the window."""
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


_QUIET_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_quiet_hours(text: str) -> QuietHours:
    """The window written "HH:MM-HH:MM"; ValueError when it is malformed or empty."""
    match = _QUIET_HOURS.match(text)
    numbers = [int(part) for part in match.groups()] if match else []
    if not numbers or numbers[0] > 23 or numbers[2] > 23 or numbers[1] > 59 or numbers[3] > 59:
        raise ValueError('expected "HH:MM-HH:MM", e.g. "21:00-07:00"')
    start, end = time(numbers[0], numbers[1]), time(numbers[2], numbers[3])
    if start == end:
        raise ValueError("start and end are the same time: leave quiet_hours out for none")
    return QuietHours(start=start, end=end)


class CronSchedule(BaseModel):
    """A standard 5-field cron expression, with its fields spelled for APScheduler's CronTrigger.

    APScheduler 3 numbers weekdays from Monday = 0 where cron has Sunday = 0, so `day_of_week`
    lists day names ("mon,tue,...") and `CronTrigger(**schedule.trigger_fields())` fires when
    cron would.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    expression: str
    minute: str
    hour: str
    day: str
    month: str
    day_of_week: str

    def trigger_fields(self) -> dict[str, str]:
        """Keyword arguments for apscheduler.triggers.cron.CronTrigger (without the timezone)."""
        fields = ("minute", "hour", "day", "month", "day_of_week")
        return {name: getattr(self, name) for name in fields}


_MONTHS = {
    name: number
    for number, name in enumerate(
        "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1
    )
}
_DAYS = {name: number for number, name in enumerate("sun mon tue wed thu fri sat".split())}
_CRON_FIELDS: tuple[tuple[str, int, int, Mapping[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 0, 7, _DAYS),
)


def parse_cron(expression: str) -> CronSchedule:
    """The schedule of a standard cron expression; ValueError says which field is wrong."""
    texts = expression.split()
    if len(texts) != 5:
        raise ValueError("expected 5 cron fields: minute hour day-of-month month day-of-week")
    found = [_cron_values(text, *spec) for text, spec in zip(texts, _CRON_FIELDS, strict=True)]
    if texts[2] != "*" and texts[4] != "*":
        # cron runs when either day field matches, APScheduler only when both do: refuse the doubt.
        raise ValueError("give day-of-month or day-of-week, not both")
    spelled = [
        "*" if text == "*" else ",".join(str(number) for number in sorted(numbers))
        for text, numbers in zip(texts, found, strict=True)
    ]
    day_names = list(_DAYS)
    weekdays = sorted({day % 7 for day in found[4]})  # cron allows 7 for Sunday too
    day_of_week = "*" if texts[4] == "*" else ",".join(day_names[day] for day in weekdays)
    return CronSchedule(
        expression=" ".join(texts),
        minute=spelled[0],
        hour=spelled[1],
        day=spelled[2],
        month=spelled[3],
        day_of_week=day_of_week,
    )


def _cron_values(text: str, field: str, low: int, high: int, names: Mapping[str, int]) -> set[int]:
    """The numbers one cron field matches; the error names the field, not the text."""
    problem = f"cron {field} field: expected *, N, N-M, lists and /steps within {low}-{high}"
    values: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        try:
            if base == "*":
                start, end = low, high
            else:
                first, dash, last = base.partition("-")
                start = _cron_number(first, names)
                # "5/15" runs from 5 to the end of the range, every 15.
                end = _cron_number(last, names) if dash else (high if slash else start)
            step = int(step_text) if slash else 1
        except (ValueError, KeyError):
            raise ValueError(problem) from None
        if not (low <= start <= end <= high and step > 0):
            raise ValueError(problem)
        values.update(range(start, end + 1, step))
    return values


def _cron_number(token: str, names: Mapping[str, int]) -> int:
    if token.isascii() and token.isdigit():
        return int(token)
    return names[token.lower()]


# ---- as config values: text in config.toml, a model once validated ----------------------------


def _cron_from_config(value: object) -> object:
    return parse_cron(value) if isinstance(value, str) else value


def _quiet_hours_from_config(value: object) -> object:
    return parse_quiet_hours(value) if isinstance(value, str) else value


CronSetting = Annotated[CronSchedule, BeforeValidator(_cron_from_config)]
QuietHoursSetting = Annotated[QuietHours, BeforeValidator(_quiet_hours_from_config)]
