"""`monitor demo`: the whole pipeline offline, against recorded responses of the real services.

    run_demo(directory) -> DemoRun

A loopback server in this process (`monitor.demo.server`) answers as the services did; a config
written to `directory` points every source at it, its keys fake values in `directory/secrets/`
(files only their owner may read, as real ones must be); two scans run against a new SQLite file
there: "yesterday" (the baseline: stored, never alerted) and "today" (what is new since).
The config is a trust of two schools (Calcot Infant and Junior). Then the school answers
where it happened: the first alert whose source takes a public reply and for which the
policy has a draft is answered with that draft (`monitor alerts reply`), and recorded in
the incident log. The trust digest page (a section per school) is written beside them, so
anyone can see the product work without keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor import responses
from monitor.config.settings import Config, load
from monitor.demo.server import DemoServer, config_snippets, demo_secrets
from monitor.judgement.advice import draft_reply
from monitor.mail.digest import build, render_digest
from monitor.model import AlertStatus
from monitor.private_files import write_private
from monitor.scan.scanner import ScanReport, run_scan
from sources.http import PoliteClient
from storage import alerts as stored_alerts
from storage import mentions as stored_mentions
from storage.database import Store
from storage.mention_reading import list_mentions

SCHOOL = """\
# Written by `monitor demo`: every source points at the demo's own server on 127.0.0.1.
# A federation of two schools: every source serves both (no `schools = [...]` key), is read
# once per poll, and each mention goes to the school it names.
[schools.infants]
name = "Calcot Infant School"
aliases = ["Calcot Infants", "St Example's CE Primary School"]
staff = ["Mrs Example"]
timezone = "Europe/London"
to = ["head.infants@calcot.example"]
urgent_to = ["dsl.infants@calcot.example"]

[schools.juniors]
name = "Calcot Junior School"
aliases = ["Calcot Juniors"]
staff = ["Mr Sample"]
timezone = "Europe/London"
to = ["head.juniors@calcot.example"]
urgent_to = ["dsl.juniors@calcot.example"]

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
    by_school: dict[str, int]  # mentions stored per school id ("" for about no school)
    requests: int  # answered by the demo server
    sent: int  # sent by the client: equal to `requests` when none went anywhere else
    reply: DemoReply | None  # the alert answered where it happened, if any took a reply


@dataclass(frozen=True, slots=True)
class DemoReply:
    """The demo's public reply: to which alert, what was done, and the words."""

    alert_id: int
    done: str  # "reply to google_reviews review … as the owner's reply under the review on Google"
    text: str


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
                reply = await reply_to_first(config, store, http)
                sent = http.requests_made
            digest = directory / "digest.html"
            digest.write_text(digest_html(store, config, since), encoding="utf-8")
            by_school = mentions_by_school(store, config)
        return DemoRun(config, (yesterday, today), digest, by_school, server.requests, sent, reply)


async def reply_to_first(config: Config, store: Store, http: PoliteClient) -> DemoReply | None:
    """Answer the oldest open alert that takes a public reply with the policy's draft."""
    found: tuple[responses.Plan, str] | None = None
    with store.transaction(read_only=True) as tx:
        for alert in reversed(stored_alerts.list_alerts(tx, [AlertStatus.OPEN])):
            mention = (
                None if alert.mention_id is None else stored_mentions.get(tx, alert.mention_id)
            )
            text = draft_reply(alert.rule, config.school.name)
            if mention is None or text is None:
                continue
            if responses.Respond.REPLY in responses.options(config, mention).actions:
                reply = responses.Respond.REPLY
                found = (responses.prepare(tx, config, alert.id, reply, text), text)
                break
    if found is None:
        return None
    plan, text = found
    changed = await responses.perform(http, plan, text)
    with store.transaction() as tx:
        responses.record(tx, config, plan, changed, text, actor="demo", now=datetime.now(UTC))
    return DemoReply(plan.alert_id, plan.describe(), text)


def mentions_by_school(store: Store, config: Config) -> dict[str, int]:
    """How many mentions each school has ("" counts those about no school in particular)."""
    with store.transaction(read_only=True) as tx:
        found = list_mentions(tx)
    counts = {school: 0 for school in (*config.school_tables, "")}
    for mention in found:
        for school in mention.schools or ("",):
            counts[school] += 1
    return counts


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
