"""Schedules: cron expressions spelled for APScheduler, and quiet-hours windows."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from monitor.config.schedule import QuietHours, parse_cron, parse_quiet_hours

# ---- cron -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "fields"),
    [
        ("30 7 * * 1-5", ("30", "7", "*", "*", "mon,tue,wed,thu,fri")),
        ("0 8 * * 0", ("0", "8", "*", "*", "sun")),
        ("0 8 * * 7", ("0", "8", "*", "*", "sun")),
        ("0 8 * * sat,SUN", ("0", "8", "*", "*", "sun,sat")),
        ("0 8 * * */2", ("0", "8", "*", "*", "sun,tue,thu,sat")),
        ("*/20 6-8 1 jan-mar *", ("0,20,40", "6,7,8", "1", "1,2,3", "*")),
        ("5/30 * * * *", ("5,35", "*", "*", "*", "*")),
    ],
)
def test_cron_expressions(expression: str, fields: tuple[str, ...]) -> None:
    schedule = parse_cron(expression)
    names = ("minute", "hour", "day", "month", "day_of_week")
    assert schedule.trigger_fields() == dict(zip(names, fields, strict=True))


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("30 7 * *", "expected 5 cron fields"),
        ("@daily", "expected 5 cron fields"),
        ("60 7 * * *", "cron minute field"),
        ("30 24 * * *", "cron hour field"),
        ("30 7 0 * *", "cron day-of-month field"),
        ("30 7 * 13 *", "cron month field"),
        ("30 7 * * 8", "cron day-of-week field"),
        ("30 7 * * mon-", "cron day-of-week field"),
        ("30 7 * * 5-1", "cron day-of-week field"),
        ("*/0 7 * * *", "cron minute field"),
        ("1,,2 7 * * *", "cron minute field"),
        ("30 7 1 * 1", "not both"),
    ],
)
def test_bad_cron_expressions(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_cron(expression)


def test_the_cron_schedule_drives_apscheduler_as_cron_would() -> None:
    london = ZoneInfo("Europe/London")
    trigger = CronTrigger(**parse_cron("30 7 * * 1-5").trigger_fields(), timezone=london)
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=london)
    monday = trigger.get_next_fire_time(None, saturday)
    assert monday == datetime(2026, 11, 30, 7, 30, tzinfo=london)


# ---- quiet hours ------------------------------------------------------------------------------


def test_quiet_hours_within_one_day() -> None:
    quiet = parse_quiet_hours(" 12:00 - 13:30 ")
    assert quiet == QuietHours(start=time(12), end=time(13, 30))
    assert quiet.contains(time(12)) and quiet.contains(time(13, 29))
    assert not quiet.contains(time(13, 30)) and not quiet.contains(time(11, 59))


def test_quiet_hours_past_midnight() -> None:
    quiet = parse_quiet_hours("21:00-7:00")
    assert quiet.contains(time(21)) and quiet.contains(time(0)) and quiet.contains(time(6, 59))
    assert not quiet.contains(time(7)) and not quiet.contains(time(20, 59))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("21:00", 'expected "HH:MM-HH:MM"'),
        ("21:00-24:00", 'expected "HH:MM-HH:MM"'),
        ("21:60-07:00", 'expected "HH:MM-HH:MM"'),
        ("9pm-7am", 'expected "HH:MM-HH:MM"'),
        ("07:00-07:00", "the same time"),
    ],
)
def test_bad_quiet_hours(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_quiet_hours(text)
