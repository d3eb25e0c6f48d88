"""What polling Place Details costs: requests a month from the interval, and the list price.

Figures from ../shared/sources.md 1a (third-party quotes of Google's pricing pages, medium
confidence): a request is billed at the highest SKU of the fields it asks for, and `reviews`
puts Place Details in "Enterprise + Atmosphere": about USD 25 per 1,000 requests at list
price, the first 1,000 a month free. UK/EEA price lists may differ: the figure is an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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
    requests = int(MONTH / interval) * sources
    paid = max(0, requests - FREE_REQUESTS_PER_MONTH)
    return CostEstimate(requests, paid, round(paid * USD_PER_THOUSAND / 1000, 2))
