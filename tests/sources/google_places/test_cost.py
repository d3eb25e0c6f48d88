"""What polling costs: requests a month from the interval, one free tier shared, `monitor check`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from sources.google_places.cost import check_lines, monthly_cost
from tests.loopback import LoopbackServer
from tests.sources.google_places.support import places, run


@pytest.mark.parametrize(
    ("interval", "requests", "paid", "usd"),
    [
        (timedelta(hours=1), 720, 0, 0.0),
        (timedelta(minutes=30), 1440, 440, 11.0),
        (timedelta(minutes=15), 2880, 1880, 47.0),
        (timedelta(days=1), 30, 0, 0.0),
    ],
)
def test_monthly_cost_from_the_interval(
    interval: timedelta, requests: int, paid: int, usd: float
) -> None:
    estimate = monthly_cost(interval)
    assert (estimate.requests_per_month, estimate.paid_requests, estimate.usd_per_month) == (
        requests,
        paid,
        usd,
    )
    assert estimate.over_free_tier == (paid > 0)


def test_several_places_share_the_free_tier() -> None:
    lines = check_lines({"a": timedelta(hours=1), "b": timedelta(hours=1)})
    assert lines[0].startswith("source a (google_places): every 1h, about 720 Place Details")
    assert lines[2].startswith("warning: google_places polling makes about 1,440 requests")
    assert "USD 11 a month" in lines[2]
    assert check_lines({"a": timedelta(hours=1)})[1:] == []


def test_default_interval_stays_inside_the_free_tier(server: LoopbackServer) -> None:
    assert not monthly_cost(places(server).interval).over_free_tier


def test_monitor_check_estimates_the_places_cost(both: tuple[Path, LoopbackServer]) -> None:
    path, _server = both
    result = run("--config", str(path), "check")
    assert result.exit_code == 0, result.output
    assert "source google_places (google_places): every 15m, about 2,880 Place Details" in (
        result.output
    )
    assert "warning: google_places polling makes about 2,880 requests a month" in result.output
    assert "about USD 47 a month" in result.output
