"""The secrets in the environment, as config references them; the webhook app being served."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config.settings import Config, load
from monitor.service.webhook import create_app
from storage.database import Store
from tests.sources.facebook_page.support import APP_SECRET, APP_SECRET_ENV, TOKEN, TOKEN_ENV
from tests.sources.facebook_page.webhook_support import (
    VERIFY_ENV,
    VERIFY_TOKEN,
    ServerThread,
    config_file,
)


@pytest.fixture
def token_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The Page token (and app secret) in the environment, as config references them."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv(APP_SECRET_ENV, APP_SECRET)
    yield


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The token, app secret and verify token in the environment, as config references them."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv(APP_SECRET_ENV, APP_SECRET)
    monkeypatch.setenv(VERIFY_ENV, VERIFY_TOKEN)


@pytest.fixture
def receiver(secrets_env: None, tmp_path: Path) -> Iterator[tuple[str, Store, Config]]:
    """The webhook app served by uvicorn, with its store and config."""
    config = load(config_file(tmp_path))
    store = Store.open(config.storage.url)
    try:
        with ServerThread(create_app(config, store)) as url:
            yield url, store, config
    finally:
        store.close()
