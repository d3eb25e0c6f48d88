"""The Places API as the fixtures describe it: the key, the place, a config, one fetch."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from click.testing import CliRunner, Result

from monitor.cli import main
from monitor.model import FetchResult, SourceState
from sources.errors import SourceError
from sources.google_places import GooglePlacesConfig, fetch
from sources.http import PoliteClient
from tests.loopback import FIXTURES, LoopbackServer
from tests.sources.google_business.support import google

API_KEY = "AIzaSyFixture-places-key-0123456789abc"
PLACE_ID = "ChIJ2eUgeAK6j4ARbn5u_wAGqWA"
PLACE = f"/v1/places/{PLACE_ID}"
FIELD_MASK = "id,displayName,rating,userRatingCount,googleMapsUri,reviews"


def keys(server: LoopbackServer, **more: object) -> dict[str, object]:
    return {
        "type": "google_places",
        "place_id": PLACE_ID,
        "api_key_env": "GOOGLE_PLACES_API_KEY",
        "api_url": f"{server.url}/v1",
        **more,
    }


def places(server: LoopbackServer, **more: object) -> GooglePlacesConfig:
    return GooglePlacesConfig.model_validate(keys(server, **more))


def run_fetch(config: GooglePlacesConfig, state: SourceState | None = None) -> FetchResult:
    async def go() -> FetchResult:
        async with PoliteClient(contact="t@example.org", backoff=0.01, timeout=5) as http:
            return await fetch(http, config, state or SourceState(name="places"))

    return asyncio.run(go())


def payload(name: str) -> Any:
    return json.loads((FIXTURES / "google" / f"{name}.json").read_bytes())


def failure(server: LoopbackServer, fixture: str, status: int) -> SourceError:
    server.route(PLACE, google(fixture, status))
    with pytest.raises(SourceError) as caught:
        run_fetch(places(server))
    assert API_KEY not in str(caught.value) and "\n" not in str(caught.value)
    return caught.value


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)
