"""The API key: only in its header, never to another origin, never in output, logs or the DB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply
from tests.sources.common.token_endpoint import route_token
from tests.sources.google_business.support import (
    CLIENT_SECRET,
    REFRESH_TOKEN,
    REVIEWS,
    SECRETS,
    google,
)
from tests.sources.google_business.support import keys as business_keys
from tests.sources.google_places.support import API_KEY, FIELD_MASK, PLACE, keys, places, run_fetch


def test_the_key_travels_only_in_its_header_with_the_field_mask(server: LoopbackServer) -> None:
    server.route(PLACE, google("places_five_reviews"))
    run_fetch(places(server))
    [request] = server.requests_to(PLACE)
    assert request.headers["X-Goog-Api-Key"] == API_KEY
    assert request.headers["X-Goog-FieldMask"] == FIELD_MASK
    assert API_KEY not in request.target
    assert "languageCode=en-GB" in request.query and "regionCode=GB" in request.query


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_the_key_is_not_sent_on_to_another_origin(server: LoopbackServer, status: int) -> None:
    other = LoopbackServer().start()  # another port: another origin, recording what it receives
    try:
        other.route(PLACE, google("places_five_reviews"))
        moved = {"Location": f"{other.url}{PLACE}", "Set-Cookie": "NID=fixture-cookie; Path=/"}
        server.route(PLACE, Reply(status=status, headers=moved))
        run_fetch(places(server))
        assert server.requests_to(PLACE)[0].headers["X-Goog-Api-Key"] == API_KEY
        [followed] = other.requests_to(PLACE)  # the redirect was followed, without credentials
        sent = {name.lower(): value for name, value in followed.headers.items()}
        assert {"x-goog-api-key", "authorization", "cookie"} & set(sent) == set()
        assert API_KEY not in f"{followed.target} {followed.headers} {followed.body!r}"
        assert sent["x-goog-fieldmask"] == FIELD_MASK  # what is not a secret still goes
    finally:
        other.stop()


def test_no_google_secret_in_output_logs_or_database_even_when_echoed(
    server: LoopbackServer, tmp_path: Path
) -> None:
    """`monitor -v` in a subprocess: keys and tokens are used, echoed back by a hostile error."""
    route_token(server, google("token_ok"))
    server.route(REVIEWS, google("business_reviews_page2"))
    echoed = {"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": f"bad {API_KEY}"}}
    server.route(PLACE, Reply(status=400, body=json.dumps(echoed)))
    config = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"google": business_keys(server), "google_places": keys(server)},
    )
    env = {
        **os.environ,
        "GBP_CLIENT_SECRET": CLIENT_SECRET,
        "GBP_REFRESH_TOKEN": REFRESH_TOKEN,
        "GOOGLE_PLACES_API_KEY": API_KEY,
    }
    command = [sys.executable, "-m", "monitor", "-v", "--config", str(config)]
    scanned = subprocess.run(
        [*command, "scan"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    route_token(server, google("token_invalid_grant", 400))
    status = subprocess.run(
        [*command, "status", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert scanned.returncode == 1, scanned.stdout + scanned.stderr  # Places failed, and said so
    assert "bad ***" in scanned.stdout
    assert server.requests_to(PLACE)[0].headers["X-Goog-Api-Key"] == API_KEY  # really used
    output = scanned.stdout + scanned.stderr + status.stdout + status.stderr
    assert "DEBUG" in scanned.stderr
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("monitor.db*"))
    assert b"AbFvOqz-older-three" in stored
    for secret in (API_KEY, *SECRETS):
        assert secret not in output
        assert secret.encode() not in stored
