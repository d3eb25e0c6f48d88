"""The Page token and app secret: the proof sent, and neither in an error, a log line or a row."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sources.errors import SourceAuthError
from tests.loopback import LoopbackServer, Reply
from tests.sources.facebook_page.support import (
    APP_SECRET,
    APP_SECRET_ENV,
    HARVEST,
    PAGE_ID,
    TOKEN,
    TOKEN_ENV,
    edge,
    poll,
    query_of,
    reply,
    route_page,
    write_facebook_config,
)


def test_a_token_echoed_in_a_graph_error_is_masked(server: LoopbackServer, token_env: None) -> None:
    body = {
        "error": {
            "message": f"Invalid OAuth access token {TOKEN}",
            "code": 190,
            "type": "OAuthException",
        }
    }
    server.route(edge(f"{PAGE_ID}/feed"), Reply(status=400, body=json.dumps(body)))
    with pytest.raises(SourceAuthError) as caught:
        poll(server)
    assert TOKEN not in str(caught.value)


def test_appsecret_proof_is_sent_when_an_app_secret_is_configured(
    server: LoopbackServer, token_env: None
) -> None:
    import hashlib
    import hmac

    route_page(server)
    poll(server, app_secret_env=APP_SECRET_ENV)
    expected = hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
    assert all(query_of(r.query)["appsecret_proof"] == expected for r in server.requests)


def test_token_and_app_secret_appear_in_no_row_log_line_or_error(
    server: LoopbackServer, tmp_path: Path
) -> None:
    route_page(server)
    server.route(edge(f"{HARVEST}/comments"), reply("error_190_460.json", status=400))
    path = write_facebook_config(tmp_path, server, app_secret_env=APP_SECRET_ENV)
    env = {**os.environ, TOKEN_ENV: TOKEN, APP_SECRET_ENV: APP_SECRET}
    outputs = []
    for args in (["scan"], ["status", "--format", "json"], ["mentions", "--format", "json"]):
        result = subprocess.run(
            [sys.executable, "-m", "monitor", "-v", "--config", str(path), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        outputs.append(result.stdout + result.stderr)
    assert "password" in outputs[0]  # the failure was reported
    assert "DEBUG" in outputs[0]
    assert server.requests  # the token was really sent
    proof = query_of(server.requests[0].query)["appsecret_proof"]
    for output in outputs:
        assert TOKEN not in output and APP_SECRET not in output and proof not in output
    for file in tmp_path.glob("monitor.db*"):
        data = file.read_bytes()
        assert TOKEN.encode() not in data and APP_SECRET.encode() not in data
        assert proof.encode() not in data
