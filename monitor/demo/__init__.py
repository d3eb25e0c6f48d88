"""`monitor demo`: the whole pipeline offline, against recorded responses of the real services.

    run_demo(directory) -> DemoRun

A loopback server in this process (`monitor.demo.server`) answers as the services did; a config
written to `directory` points every source at it; two scans run against a new SQLite file
there: "yesterday" (the baseline: stored, never alerted) and "today" (what is new since).
The digest page is written beside them, so anyone can see the product work without keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config import Config, load
from monitor.demo.server import DemoServer, config_snippets
from monitor.mail.digest import build, render_digest
from monitor.scan import ScanReport, run_scan
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
    """What the demo did: its config, the two scans, the digest page and requests served."""

    config: Config
    reports: tuple[ScanReport, ScanReport]  # yesterday (baseline), today
    digest: Path
    requests: int


async def run_demo(directory: Path) -> DemoRun:
    """Write the config, scan twice against the recorded responses, write the digest page."""
    directory.mkdir(parents=True, exist_ok=True)
    with DemoServer() as server:
        path = directory / "config.toml"
        path.write_text(SCHOOL + config_snippets(server.url), encoding="utf-8")
        config = load(path)
        with Store.open(config.storage.url) as store:
            async with PoliteClient(contact="demo@example.org", timeout=10) as http:
                server.poll = 1
                yesterday = await run_scan(config, store, http)
                server.poll = 2
                today = await run_scan(config, store, http)
            digest = directory / "digest.html"
            digest.write_text(digest_html(store, config), encoding="utf-8")
        return DemoRun(config, (yesterday, today), digest, server.requests)


def digest_html(store: Store, config: Config) -> str:
    """The digest the SLT would be mailed for everything the demo stored (HTML)."""
    now = datetime.now(UTC)
    with store.transaction(read_only=True) as tx:
        digest = build(tx, config, now - timedelta(days=7), now + timedelta(seconds=1))
    return render_digest(digest, config)[1]
