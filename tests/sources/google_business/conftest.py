"""The OAuth secrets in the environment; two pages of reviews served; a scanned config."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config.settings import Config, load
from tests.configs import write_config
from tests.loopback import LoopbackServer
from tests.sources.common.token_endpoint import route_token
from tests.sources.google_business.support import (
    CLIENT_SECRET,
    PAGE_TWO,
    REFRESH_TOKEN,
    REVIEWS,
    google,
    keys,
    scan,
)


@pytest.fixture(autouse=True)
def secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GBP_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("GBP_REFRESH_TOKEN", REFRESH_TOKEN)


@pytest.fixture
def two_pages(server: LoopbackServer) -> LoopbackServer:
    route_token(server, google("token_ok"))
    server.route(REVIEWS, google("business_reviews_page1"))
    server.route(REVIEWS, google("business_reviews_page2"), params=PAGE_TWO)
    return server


@pytest.fixture
def scanned(two_pages: LoopbackServer, database_url: str, tmp_path: Path) -> Iterator[Config]:
    config = load(
        write_config(tmp_path, storage_url=database_url, sources={"google": keys(two_pages)})
    )
    first = scan(config)
    assert [(o.status, o.new, o.baseline) for o in first.outcomes] == [("ok", 5, True)]
    # The later poll: Jane edits her review, and the school replies to the rating-only one.
    two_pages.route(REVIEWS, google("business_reviews_edited"))
    yield config
