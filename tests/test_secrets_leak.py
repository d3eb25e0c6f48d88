"""Secrets never reach output, logs, the database or mail, even at -v and when a source fails."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply
from tests.mail.smtpd import SmtpServer

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


# A Page token as long as real ones get (Graph tokens run to 200+ characters), and a Graph error
# that echoes it after a 23-character prefix: cut to 200 before masking, 177 of its characters
# would survive the mask.
_LETTERS = base64.b64encode(hashlib.sha512(b"page-token").digest() * 4).decode()
LONG_TOKEN = "EAAG" + "".join(filter(str.isalnum, _LETTERS))[:216]  # Graph tokens are alphanumeric
GRAPH_VERSION = "v24.0"
PAGE_ID = "448242228374517"
TABLES = ("source_state", "scan_run", "alert", "outbox")


def windows(secret: str, width: int = 20) -> set[str]:
    """Every `width`-character stretch of `secret`: none may appear anywhere."""
    return {secret[start : start + width] for start in range(len(secret) - width + 1)}


def rows_of(database: Path, table: str) -> list[str]:
    """Every row of `table` as text."""
    engine = sa.create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            found = sa.Table(table, sa.MetaData(), autoload_with=connection)
            return [repr(tuple(row)) for row in connection.execute(sa.select(found))]
    finally:
        engine.dispose()


def test_a_long_token_echoed_by_graph_leaves_no_part_anywhere(
    server: LoopbackServer, tmp_path: Path
) -> None:
    assert len(LONG_TOKEN) == 220
    echoed = {
        "error": {
            "message": f"Malformed access token {LONG_TOKEN}",
            "type": "OAuthException",
            "code": 190,
            "fbtrace_id": "AmFGcW_3hwDB7qFbl_QdebZ",
        }
    }
    server.route(f"/{GRAPH_VERSION}/{PAGE_ID}/feed", Reply(status=400, body=json.dumps(echoed)))
    database = tmp_path / "monitor.db"
    mail = SmtpServer().start()
    try:
        config = write_config(
            tmp_path,
            storage_url=f"sqlite:///{database}",
            sources={
                "facebook": {
                    "type": "facebook_page",
                    "page_id": PAGE_ID,
                    "access_token_env": "TEST_FB_PAGE_TOKEN",
                    "api_url": server.url,
                    "api_version": GRAPH_VERSION,
                }
            },
            extra=(
                "[email]\n"
                f'smtp_host = "127.0.0.1"\nsmtp_port = {mail.port}\nsecurity = "none"\n'
                'from = "Monitor <monitor@calcot.example>"\nto = ["slt@calcot.example"]\n'
                'admin_to = ["it@calcot.example"]\n'
            ),
        )
        env = {**os.environ, "TEST_FB_PAGE_TOKEN": LONG_TOKEN}
        scanned = monitor(config, "scan", env=env)
        status = monitor(config, "status", "--format", "json", env=env)
    finally:
        mail.stop()
    assert scanned.returncode == 1  # the source failed, and said so
    assert "Graph API error 190" in scanned.stdout
    assert "DEBUG" in scanned.stderr  # -v really logged
    assert LONG_TOKEN in server.requests[0].query  # the token was really used
    rows = {table: "\n".join(rows_of(database, table)) for table in TABLES}
    for table in TABLES:  # each holds the error, so each was really written
        assert "Graph API error 190" in rows[table], table
    [health_mail] = mail.received
    letters = health_mail.part("plain") + health_mail.part("html")
    assert "Graph API error 190" in letters
    shown = [scanned.stdout, scanned.stderr, status.stdout, status.stderr, letters, *rows.values()]
    for stretch in windows(LONG_TOKEN):
        for text in shown:
            assert stretch not in text
