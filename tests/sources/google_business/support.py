"""The Business Profile API as the fixtures describe it: secrets, replies, a config, one fetch."""

from __future__ import annotations

import asyncio

import pytest

from monitor.config.settings import Config
from monitor.model import FetchResult, SourceState
from monitor.scan.scanner import ScanReport, run_scan
from sources.errors import SourceError
from sources.google_business import GoogleBusinessConfig, fetch
from sources.http import PoliteClient
from storage.database import Store
from tests.loopback import FIXTURES, LoopbackServer, Reply

CLIENT_ID = "1234567890-fixture.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-fixture-client-secret-9Xq"
REFRESH_TOKEN = "1//0gFixtureRefreshToken-Ab12Cd34"
ACCESS_TOKEN = "ya29.a0AfB-fixture-access-token-Zx81"
SECOND_TOKEN = "ya29.a0AfB-fixture-second-token-Qp42"
SECRETS = (CLIENT_SECRET, REFRESH_TOKEN, ACCESS_TOKEN, SECOND_TOKEN)
REVIEWS = "/v4/accounts/112233445566778899000/locations/9876543210987654321/reviews"
JSON = "application/json"
PAGE_TWO = {"pageToken": "CiAKGjBpNDd2Nl9nTTVfUmJQ"}


def google(name: str, status: int = 200) -> Reply:
    """A reply with the body of tests/fixtures/google/<name>.json."""
    return Reply(
        status=status,
        body=(FIXTURES / "google" / f"{name}.json").read_bytes(),
        headers={"Content-Type": JSON},
    )


def keys(server: LoopbackServer, **more: object) -> dict[str, object]:
    return {
        "type": "google_business",
        "account_id": "accounts/112233445566778899000",
        "location_id": "9876543210987654321",
        "client_id": CLIENT_ID,
        "client_secret_env": "GBP_CLIENT_SECRET",
        "refresh_token_env": "GBP_REFRESH_TOKEN",
        "api_url": f"{server.url}/v4",
        "token_url": f"{server.url}/token",
        **more,
    }


def business(server: LoopbackServer, **more: object) -> GoogleBusinessConfig:
    return GoogleBusinessConfig.model_validate(keys(server, **more))


def run_fetch(config: GoogleBusinessConfig, state: SourceState | None = None) -> FetchResult:
    async def go() -> FetchResult:
        async with PoliteClient(contact="t@example.org", backoff=0.01, timeout=5) as http:
            return await fetch(http, config, state or SourceState(name="google"))

    return asyncio.run(go())


def failure(config: GoogleBusinessConfig, state: SourceState | None = None) -> SourceError:
    with pytest.raises(SourceError) as caught:
        run_fetch(config, state)
    message = str(caught.value)
    assert "\n" not in message
    for secret in SECRETS:
        assert secret not in message
    return caught.value


def scan(config: Config) -> ScanReport:
    store = Store.open(config.storage.url)
    try:

        async def go() -> ScanReport:
            async with PoliteClient(contact="t@example.org", timeout=5, backoff=0.01) as http:
                return await run_scan(config, store, http)

        return asyncio.run(go())
    finally:
        store.close()
