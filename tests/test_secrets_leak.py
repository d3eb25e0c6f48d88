"""Secrets never reach output, logs or the database, even at -v and when a source fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply

FEED_SECRET = "17849810695950872924-feedsecret"
SMTP_SECRET = "smtp-pass-Zq8vW3"


def monitor(config: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "-v", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_secret_feed_url_and_smtp_password_appear_nowhere(
    server: LoopbackServer, tmp_path: Path
) -> None:
    secret_path = f"/alerts/feeds/{FEED_SECRET}"
    server.route(secret_path, Reply(status=500, body=f"error for {secret_path}".encode()))
    database = tmp_path / "monitor.db"
    config = write_config(
        tmp_path,
        storage_url=f"sqlite:///{database}",
        sources={"alerts": {"type": "feed", "url_env": "TEST_ALERTS_URL"}},
        extra=(
            "[email]\n"
            'smtp_host = "127.0.0.1"\nsmtp_port = 2525\nsecurity = "none"\n'
            'username = "monitor@calcot.example"\npassword_env = "TEST_SMTP_PASSWORD"\n'
            'from = "Monitor <monitor@calcot.example>"\nto = ["slt@calcot.example"]\n'
        ),
    )
    env = {
        **os.environ,
        "TEST_ALERTS_URL": f"{server.url}{secret_path}",
        "TEST_SMTP_PASSWORD": SMTP_SECRET,
    }
    results = [
        monitor(config, "scan", env=env),
        monitor(config, "status", "--format", "json", env=env),
        monitor(config, "check", "--online", env=env),
        monitor(config, "mentions", "--format", "json", env=env),
    ]
    assert results[0].returncode == 1  # the source failed, and said so
    assert "127.0.0.1: HTTP 500" in results[0].stdout
    assert server.requests_to(secret_path)  # the secret URL was really used
    for result in results:
        for stream in (result.stdout, result.stderr):
            assert FEED_SECRET not in stream
            assert SMTP_SECRET not in stream
    assert "DEBUG" in results[0].stderr  # -v really logged
    for path in tmp_path.glob("monitor.db*"):
        data = path.read_bytes()
        assert FEED_SECRET.encode() not in data
        assert SMTP_SECRET.encode() not in data
