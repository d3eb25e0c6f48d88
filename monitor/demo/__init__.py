"""`monitor demo`: the whole pipeline offline, against recorded responses of the real services.

    run_demo(directory) -> DemoRun

A loopback server in this process (`monitor.demo.server`) answers as the services did; a config
written to `directory` points every source at it, its keys fake values in `directory/secrets/`
(files only their owner may read, as real ones must be); two scans run against a new SQLite file
there: "yesterday" (the baseline: stored, never alerted) and "today" (what is new since).
The digest page is written beside them, so anyone can see the product work without keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config.settings import Config, load
from monitor.demo.server import DemoServer, config_snippets, demo_secrets
from monitor.mail.digest import build, render_digest
from monitor.private_files import write_private
from monitor.scan.scanner import ScanReport, run_scan
from sources.http import PoliteClient
from storage.database import Store

SCHOOL = """\
# Written by `monitor demo`: every source points at the demo's own server on 127.0.0.1.
[school]
name = "Calcot Schools"
aliases = ["Calcot Infant School", "Calcot Junior School", "Calcot",
           "St Example's CE Primary School"]
staff = ["Mrs Example"]
timezone = "Europe/London"

[storage]
url = "sqlite:///monitor.db"

[http]
contact = "demo@example.org"
timeout = "10s"

"""


@dataclass(frozen=True, slots=True)
class DemoRun:
    """What the demo did: its config, the two scans, the digest page, requests sent and served."""

    config: Config
    reports: tuple[ScanReport, ScanReport]  # yesterday (baseline), today
    digest: Path
    requests: int  # answered by the demo server
    sent: int  # sent by the client: equal to `requests` when none went anywhere else


async def run_demo(directory: Path) -> DemoRun:
    """Write the config, scan twice against the recorded responses, write the digest page."""
    directory.mkdir(parents=True, exist_ok=True)
    with DemoServer() as server:
        write_secrets(directory / "secrets", demo_secrets())
        path = directory / "config.toml"
        path.write_text(SCHOOL + config_snippets(server.url), encoding="utf-8")
        config = load(path)
        with Store.open(config.storage.url) as store:
            async with PoliteClient(contact="demo@example.org", timeout=10) as http:
                server.poll = 1
                yesterday = await run_scan(config, store, http)
                since = datetime.now(UTC)
                server.poll = 2
                today = await run_scan(config, store, http)
                sent = http.requests_made
            digest = directory / "digest.html"
            digest.write_text(digest_html(store, config, since), encoding="utf-8")
        return DemoRun(config, (yesterday, today), digest, server.requests, sent)


def write_secrets(folder: Path, secrets: dict[str, str]) -> None:
    """Write each fake secret to `folder/<name>`, readable by its owner only (as config demands)."""
    folder.mkdir(mode=0o700, exist_ok=True)
    for name, value in secrets.items():
        write_private(folder / name, value)


def digest_html(store: Store, config: Config, since: datetime) -> str:
    """The digest the SLT would be mailed the morning after "yesterday's" scan (HTML)."""
    # From the end of the baseline: what is new today, ratings against yesterday's.
    end = datetime.now(UTC) + timedelta(seconds=1)
    with store.transaction(read_only=True) as tx:
        digest = build(tx, config, since, end)
    return render_digest(digest, config)[1]
