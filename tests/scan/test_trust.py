"""A trust: two schools in one deployment, each fetch shared, each mention where it belongs.

Real parts: a loopback HTTP server serving Mumsnet pages (tests/fixtures/mumsnet: a topic listing
with "Calcot Infants - new head??" and "Calcot Juniors' SATs results") and an Atom feed, a real
database (SQLite file; PostgreSQL too when configured), a real SMTP server (aiosmtpd) and the
`monitor` command.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from monitor.cli import main
from tests.loopback import LoopbackServer
from tests.mail.smtpd import Received, SmtpServer
from tests.scan.test_scan_alerts import entry, feed
from tests.sources.mumsnet.support import TOPIC, route_site

INFANTS_THREAD = "thread:5412345"  # "Calcot Infants - new head??"
JUNIORS_THREAD = "thread:5412999"  # "Calcot Juniors' SATs results - anyone know?"
TRUST_TO = "trust@calcot.example"
TRUST_URGENT = "ceo@calcot.example"
INFANTS_TO, INFANTS_DSL = "head.infants@calcot.example", "dsl.infants@calcot.example"
JUNIORS_TO, JUNIORS_DSL = "head.juniors@calcot.example", "dsl.juniors@calcot.example"

OLD = [entry("old1", "Calcot Junior School choir sings at the Hexagon")]
ABUSE = entry(
    "abuse",
    "Police investigate abuse allegation at Calcot Infant School",
    "A spokesperson said the school is cooperating.",
)
CHOIR = entry("choir", "Calcot Junior School choir wins the county cup", "A lovely evening.")
ROADWORKS = entry("roads", "Roadworks on the A4 near Calcot", "Expect delays all week.")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def trust_config(directory: Path, site: LoopbackServer, database_url: str, smtp_port: int) -> Path:
    """Two schools, one Mumsnet source and one news feed serving both, mail to the SMTP server."""
    path = directory / "config.toml"
    path.write_text(
        f"""
[schools.infants]
name = "Calcot Infant School"
staff = ["Mrs Hazel Example"]
to = ["{INFANTS_TO}"]
urgent_to = ["{INFANTS_DSL}"]

[schools.juniors]
name = "Calcot Junior School"
staff = ["Mr Peter Sample"]
to = ["{JUNIORS_TO}"]
urgent_to = ["{JUNIORS_DSL}"]

[storage]
url = "{database_url}"

[http]
contact = "it@calcot.example"
timeout = "5s"

[email]
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
security = "none"
from = "monitor@calcot.example"
to = ["{TRUST_TO}"]
urgent_to = ["{TRUST_URGENT}"]

[sources.mumsnet]
type = "mumsnet"
base_url = "{site.url}"
topics = ["primary_education"]
request_delay = "0s"
follow_days = 3650

[sources.news]
type = "feed"
url = "{site.url}/news.xml"
""",
        encoding="utf-8",
    )
    return path


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


def listed(config: Path, command: str, *args: str) -> list[dict[str, Any]]:
    result = run(config, command, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


def scan(config: Path) -> None:
    result = run(config, "scan")
    assert result.exit_code == 0, result.output


def texts(message: Received) -> str:
    return message.part("plain")


def test_one_topic_listing_is_read_once_per_scan_and_each_thread_is_the_school_it_names(
    server: LoopbackServer, tmp_path: Path, database_url: str, smtp: SmtpServer
) -> None:
    route_site(server)
    server.route("/news.xml", feed(*OLD))
    config = trust_config(tmp_path, server, database_url, smtp.port)

    scan(config)
    listing_reads = [request for request in server.requests if request.target == TOPIC]
    assert len(listing_reads) == 1  # one read serves both schools

    infants = listed(config, "mentions", "--school", "infants")
    juniors = listed(config, "mentions", "--school", "juniors")
    infant_threads = {m["external_id"] for m in infants if m["item_type"] == "thread"}
    junior_threads = {m["external_id"] for m in juniors if m["item_type"] == "thread"}
    assert infant_threads == {INFANTS_THREAD}
    assert junior_threads == {JUNIORS_THREAD}
    # A post belongs to the schools its thread belongs to, whatever its own words.
    posts = [m for m in listed(config, "mentions") if m["item_type"] == "post"]
    assert posts and all(
        "infants" in post["schools"]
        for post in posts
        if post["parent_external_id"] == INFANTS_THREAD
    )
    assert all(
        "juniors" in post["schools"]
        for post in posts
        if post["parent_external_id"] == JUNIORS_THREAD
    )
    assert all(m["schools"] == ["infants"] for m in infants if m["external_id"] == INFANTS_THREAD)
    # The feed's old story names the juniors only.
    assert [m["schools"] for m in juniors if m["type"] == "feed"] == [["juniors"]]

    scan(config)
    assert len([request for request in server.requests if request.target == TOPIC]) == 2


def test_a_post_about_one_school_is_mailed_urgently_to_that_schools_dsl_only(
    server: LoopbackServer, tmp_path: Path, database_url: str, smtp: SmtpServer
) -> None:
    route_site(server)
    server.route("/news.xml", feed(*OLD))
    config = trust_config(tmp_path, server, database_url, smtp.port)
    scan(config)  # the baseline: nothing is mailed
    assert smtp.received == []

    server.route("/news.xml", feed(*OLD, ABUSE))
    scan(config)

    [mail] = smtp.received
    assert mail.rcpt_tos == [INFANTS_DSL]
    assert "Police investigate abuse allegation" in texts(mail)
    assert "Calcot Infant School" in texts(mail)
    infants = listed(config, "alerts", "--school", "infants")
    [alert] = [alert for alert in infants if alert["rule"] == "safeguarding"]
    assert alert["schools"] == ["infants"]
    assert listed(config, "alerts", "--school", "juniors") == []
    incidents = run(config, "incidents", "--school", "juniors", "--format", "json")
    assert incidents.exit_code == 0 and json.loads(incidents.stdout) == []


def test_each_schools_digest_holds_only_its_news_and_the_trust_digest_holds_both(
    server: LoopbackServer, tmp_path: Path, database_url: str, smtp: SmtpServer
) -> None:
    route_site(server)
    server.route("/news.xml", feed(*OLD))
    config = trust_config(tmp_path, server, database_url, smtp.port)
    scan(config)
    server.route("/news.xml", feed(*OLD, ABUSE, CHOIR, ROADWORKS))
    scan(config)
    smtp.received.clear()  # the urgent mail, tested above

    sent = run(config, "digest", "--send")
    assert sent.exit_code == 0, sent.output

    by_recipient = {tuple(mail.rcpt_tos): texts(mail) for mail in smtp.received}
    assert set(by_recipient) == {(TRUST_TO,), (INFANTS_TO,), (JUNIORS_TO,)}
    infants, juniors = by_recipient[(INFANTS_TO,)], by_recipient[(JUNIORS_TO,)]
    trust = by_recipient[(TRUST_TO,)]
    assert "Police investigate abuse allegation" in infants
    assert "choir wins the county cup" not in infants and "Juniors" not in infants
    assert "choir wins the county cup" in juniors
    assert "abuse allegation" not in juniors and "Infants - new head" not in juniors
    assert "Roadworks" not in infants and "Roadworks" not in juniors
    # The trust digest: totals, a section per school, and what is about no school.
    assert "== CALCOT INFANT SCHOOL" in trust and "== CALCOT JUNIOR SCHOOL" in trust
    assert "abuse allegation" in trust and "choir wins the county cup" in trust
    assert "== ABOUT NO SCHOOL IN PARTICULAR" in trust and "Roadworks" in trust
    infants_part = trust.split("== CALCOT INFANT SCHOOL")[1].split("== CALCOT JUNIOR SCHOOL")[0]
    assert "abuse allegation" in infants_part and "choir wins" not in infants_part
    subjects = {tuple(mail.rcpt_tos): str(mail.message["Subject"]) for mail in smtp.received}
    assert subjects[(TRUST_TO,)].startswith("Calcot Infant School and Calcot Junior School:")
    assert subjects[(INFANTS_TO,)].startswith("Calcot Infant School:")

    # The next window's digests hold nothing of this one's news, for any audience.
    again = run(config, "digest", "--send")
    assert again.exit_code == 0, again.output
    later = [texts(mail) for mail in smtp.received[3:]]
    assert len(later) == 3 and not any("abuse allegation" in text for text in later)

    preview = run(config, "digest", "--school", "juniors")
    assert preview.exit_code == 0, preview.output
    assert preview.stdout.startswith("Calcot Junior School · reputation monitor")


def test_school_filters_refuse_an_unknown_school(
    server: LoopbackServer, tmp_path: Path, database_url: str, smtp: SmtpServer
) -> None:
    config = trust_config(tmp_path, server, database_url, smtp.port)
    for command in ("mentions", "alerts", "status", "incidents", "digest"):
        result = run(config, command, "--school", "seniors")
        assert result.exit_code == 2, (command, result.output)
        assert "no school 'seniors'; configured: infants, juniors" in result.output
