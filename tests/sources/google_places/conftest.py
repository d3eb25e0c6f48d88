"""The API key in the environment; a config with both Google source types served on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.configs import write_config
from tests.loopback import LoopbackServer
from tests.sources.common.token_endpoint import route_token
from tests.sources.google_business.support import CLIENT_SECRET, REFRESH_TOKEN, REVIEWS, google
from tests.sources.google_business.support import keys as business_keys
from tests.sources.google_places.support import API_KEY, PLACE, keys


@pytest.fixture(autouse=True)
def key_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_PLACES_API_KEY", API_KEY)


@pytest.fixture
def both(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, LoopbackServer]:
    monkeypatch.setenv("GBP_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("GBP_REFRESH_TOKEN", REFRESH_TOKEN)
    route_token(server, google("token_ok"))
    server.route(REVIEWS, google("business_reviews_page1"))
    server.route(
        REVIEWS, google("business_reviews_page2"), params={"pageToken": "CiAKGjBpNDd2Nl9nTTVfUmJQ"}
    )
    server.route(PLACE, google("places_five_reviews"))
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={
            "google": business_keys(server),
            "google_places": keys(server, interval="15m"),
        },
    )
    return path, server
