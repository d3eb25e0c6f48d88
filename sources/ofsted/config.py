"""The keys of an ofsted source: the provider page (or the URN and the MI file), Parent View."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from monitor.config.units import PositiveDuration
from sources.base import SourceConfig

PARENT_VIEW_URL = "https://parentview.ofsted.gov.uk/parent-view-results/urn/{urn}"
URN_AT_END = re.compile(r"/(\d{5,8})/?$")


def _http_url(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL")
    return value


class OfstedConfig(SourceConfig):
    """The school's inspection reports and Parent View on Ofsted's sites."""

    interval: PositiveDuration = Field(
        timedelta(days=1), description='How often the provider page is read: "1d" at most.'
    )
    provider_url: str | None = Field(
        None,
        description="The school's page on reports.ofsted.gov.uk, whole"
        " (https://reports.ofsted.gov.uk/provider/{category}/{URN}).",
    )
    urn: str | None = Field(
        None, description="The school's unique reference number (else read from provider_url)."
    )
    mi_url: str | None = Field(
        None,
        description="The management-information data-set page on gov.uk (or one of its CSV"
        " files): checks the latest inspection and finds provider_url from urn.",
    )
    parent_view: bool = Field(True, description="Also read Parent View's results, weekly.")
    parent_view_url: str | None = Field(
        None, description="Parent View's results page (default: the one for urn)."
    )

    @field_validator("provider_url", "mi_url", "parent_view_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return _http_url(value)

    @field_validator("urn")
    @classmethod
    def _urn(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{5,8}", value.strip()):
            raise ValueError("must be the school's URN: 5 to 8 digits")
        return None if value is None else value.strip()

    @model_validator(mode="after")
    def _where_to_look(self) -> OfstedConfig:
        if self.provider_url is None and (self.urn is None or self.mi_url is None):
            raise ValueError("give provider_url, or urn with mi_url to find it")
        if self.mi_url is not None and self.school_urn is None:
            raise ValueError("mi_url needs urn (or a provider_url ending in the URN)")
        if self.parent_view and self.parent_view_url is None and self.school_urn is None:
            raise ValueError(
                "parent_view needs urn, parent_view_url or a provider_url ending in the URN"
            )
        return self

    @property
    def school_urn(self) -> str | None:
        """The URN: as configured, else the last part of provider_url."""
        if self.urn is not None:
            return self.urn
        match = URN_AT_END.search(urlsplit(self.provider_url or "").path)
        return match[1] if match else None

    @property
    def results_url(self) -> str:
        """Parent View's results page for the school."""
        return self.parent_view_url or PARENT_VIEW_URL.format(urn=self.school_urn)
