"""What polling Place Details costs: requests a month from the interval, and the list price.

Figures from ../shared/sources.md 1a (third-party quotes of Google's pricing pages, medium
confidence): a request is billed at the highest SKU of the fields it asks for, and `reviews`
puts Place Details in "Enterprise + Atmosphere": about USD 25 per 1,000 requests at list
price, the first 1,000 a month free. UK/EEA price lists may differ: the figure is an estimate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from monitor.config.units import format_duration

FREE_REQUESTS_PER_MONTH = 1000
USD_PER_THOUSAND = 25.0
MONTH = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """Requests a month at one interval, how many are beyond the free tier, and their price."""

    requests_per_month: int
    paid_requests: int
    usd_per_month: float

    @property
    def over_free_tier(self) -> bool:
        """True when some requests would be paid for."""
        return self.paid_requests > 0

    def describe(self) -> str:
        """One line for `monitor check`."""
        line = (
            f"about {self.requests_per_month:,} Place Details requests a month"
            f" ({FREE_REQUESTS_PER_MONTH:,} free, then about USD {USD_PER_THOUSAND:g} per 1,000"
            " at list price)"
        )
        if self.over_free_tier:
            line += f": about USD {self.usd_per_month:,.0f} a month"
        return line


def monthly_cost(interval: timedelta, sources: int = 1) -> CostEstimate:
    """The estimate for `sources` places each polled every `interval` (a 30-day month)."""
    if interval <= timedelta(0):
        raise ValueError("interval must be positive")
    # The free tier is per billing account, so several places share it.
    return cost_of(int(MONTH / interval) * sources)


def cost_of(requests: int) -> CostEstimate:
    """The estimate for `requests` Place Details requests in a month."""
    paid = max(0, requests - FREE_REQUESTS_PER_MONTH)
    return CostEstimate(requests, paid, round(paid * USD_PER_THOUSAND / 1000, 2))


def check_lines(intervals: Mapping[str, timedelta]) -> list[str]:
    """`monitor check`'s lines for the google_places sources (name → interval), with a warning."""
    if not intervals:
        return []
    lines = [
        f"source {name} (google_places): every {format_duration(interval)},"
        f" {monthly_cost(interval).describe()}"
        for name, interval in intervals.items()
    ]
    requests = sum(monthly_cost(interval).requests_per_month for interval in intervals.values())
    total = cost_of(requests)
    if total.over_free_tier:
        lines.append(
            f"warning: google_places polling makes about {requests:,} requests a month, beyond"
            f" Google's {FREE_REQUESTS_PER_MONTH:,} free: about USD {total.usd_per_month:,.0f} a"
            " month at list price (UK/EEA prices may differ); a longer interval costs less"
            " (one place hourly is about 720 a month)"
        )
    return lines
