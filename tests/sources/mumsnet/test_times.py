"""Mumsnet's UK local times ('Today 09:00', '24/10/2026 21:14') become UTC across BST's end."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sources.mumsnet.times import parse_posted
from tests.sources.mumsnet.support import NOW


@pytest.mark.parametrize(
    ("label", "now", "expected"),
    [
        ("Today 09:00", NOW, "2026-10-27T09:00"),  # GMT: London = UTC
        ("Yesterday 18:20", NOW, "2026-10-26T18:20"),
        ("24/10/2026 21:14", NOW, "2026-10-24T20:14"),  # BST: an hour ahead of UTC
        ("25/10/2026 00:30", NOW, "2026-10-24T23:30"),  # still BST
        ("25/10/2026 01:30", NOW, "2026-10-25T00:30"),  # the repeated hour: its first (BST) time
        ("25/10/2026 09:05", NOW, "2026-10-25T09:05"),  # GMT again
        # 00:30 on 1 June in London is 23:30 on 31 May in UTC: "Today" is London's day.
        ("Today 00:10", datetime(2026, 5, 31, 23, 30, tzinfo=UTC), "2026-05-31T23:10"),
        ("Yesterday 23:50", datetime(2026, 5, 31, 23, 30, tzinfo=UTC), "2026-05-31T22:50"),
        ("Today at 7:05", datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "2026-07-01T06:05"),
    ],
)
def test_uk_local_times_become_utc(label: str, now: datetime, expected: str) -> None:
    posted = parse_posted(label, now)
    assert posted is not None
    assert posted.strftime("%Y-%m-%dT%H:%M") == expected and posted.tzinfo == UTC


@pytest.mark.parametrize("label", ["31/02/2026 10:00", "Today 24:10", "last week"])
def test_unreadable_times_are_none(label: str) -> None:
    assert parse_posted(label, NOW) is None
