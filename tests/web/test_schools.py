"""The web page in a trust (several `[schools.<id>]`): the school filter, and users limited to
some schools, over real HTTP (httpx → uvicorn on 127.0.0.1) with a real SMTP server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.config.settings import load
from monitor.model import AlertStatus, Role, Severity
from storage import alerts as stored_alerts
from storage import schools, users
from storage.database import Store
from tests.mail.conftest import add_mention, email_table, raise_alert
from tests.mail.smtpd import SmtpServer, free_port
from tests.web.conftest import ADMIN, SLT, Site, make_site
from tests.web.served import NOW, Clock, served

TRUST = """
[schools.infants]
name = "Calcot Infant School"
aliases = ["Calcot Infants"]
staff = ["Mrs Hazel Example"]

[schools.juniors]
name = "Calcot Junior School"
"""
INFANTS_HEAD = "head.infants@calcot.example"


def trust_config(directory: Path, port: int, smtp_port: int) -> Path:
    """A two-school config with [email] to the test SMTP server and [web] on 127.0.0.1:port."""
    text = (
        TRUST
        + f'[storage]\nurl = "sqlite:///{directory / "monitor.db"}"\n'
        + '[http]\ncontact = "it@calcot.example"\ntimeout = "5s"\n'
        + email_table(smtp_port)
        + f'[web]\nbase_url = "http://127.0.0.1:{port}"\n'
    )
    path = directory / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def seed_trust(store: Store) -> dict[str, int]:
    """An unlimited user, one limited to the infants, and an alert about each school."""
    with store.transaction() as tx:
        users.add_or_update(tx, SLT, name="Trust Lead", role=Role.SLT, now=NOW)
        users.add_or_update(
            tx, INFANTS_HEAD, name=None, role=Role.SLT, now=NOW, schools=["infants"]
        )
        infants = add_mention(
            tx, "p1", text="Calcot Infants pickup is a shambles, awful.", url="https://m.example/1"
        )
        juniors = add_mention(
            tx, "p2", text="Calcot Junior School homework is awful.", url="https://m.example/2"
        )
        schools.set_schools(tx, {infants: ["infants"], juniors: ["juniors"]})
        ids = {
            "infants": raise_alert(tx, "negative", infants, severity=Severity.NORMAL).id,
            "juniors": raise_alert(tx, "negative", juniors, severity=Severity.NORMAL).id,
        }
    return ids


@pytest.fixture
def trust(tmp_path: Path, smtp: SmtpServer) -> Iterator[Site]:
    """The page of a two-school trust served on 127.0.0.1."""
    port = free_port()
    config = load(trust_config(tmp_path, port, smtp.port))
    clock = Clock(NOW)
    with Store.open(config.storage.url) as store:
        ids = seed_trust(store)
        with served(config, store, port, clock) as url:
            site = Site(url, config, tmp_path / "config.toml", store, smtp, clock, ids)
            try:
                yield site
            finally:
                for client in site.clients:
                    client.close()


def alert_links(html: str) -> set[int]:
    return {int(found) for found in re.findall(r'href="/alerts/(\d+)"', html)}


def options_of(html: str) -> list[str]:
    select = re.search(r'<select id="school" name="school">(.*?)</select>', html, re.S)
    assert select, html
    return re.findall(r'<option value="([^"]*)"', select[1])


def test_an_unlimited_user_filters_by_school(trust: Site) -> None:
    client, csrf = trust.signed_in(SLT)
    everything = client.get("/alerts")
    assert alert_links(everything.text) == set(trust.alert_ids.values())
    assert options_of(everything.text) == ["", "infants", "juniors"]
    assert "Calcot Junior School</option>" in everything.text
    juniors = client.get("/alerts", params={"school": "juniors"})
    assert alert_links(juniors.text) == {trust.alert_ids["juniors"]}
    # The tabs keep the school, as they keep the other filters.
    assert 'href="/alerts?status=acknowledged&amp;school=juniors"' in juniors.text
    assert '<option value="juniors" selected>' in juniors.text
    mentions = client.get("/mentions", params={"school": "infants"}).text
    assert "Calcot Infants pickup" in mentions and "Calcot Junior School homework" not in mentions
    client.post(
        f"/alerts/{trust.alert_ids['juniors']}/status",
        data={"csrf": csrf, "to": "acknowledged"},
    )
    page = client.get("/incidents", params={"school": "infants"}).text
    assert f"/alerts/{trust.alert_ids['juniors']}" not in page
    assert 'href="/incidents.csv?school=infants"' in page
    assert client.get("/incidents.csv", params={"school": "infants"}).text.count("\n") == 1
    assert client.get("/incidents.csv", params={"school": "juniors"}).text.count("\n") == 2


def test_a_user_limited_to_one_school_never_sees_the_other(trust: Site) -> None:
    juniors = trust.alert_ids["juniors"]
    infants = trust.alert_ids["infants"]
    lead, lead_csrf = trust.signed_in(SLT)
    # Something in the log about each school, done by the unlimited user.
    for alert_id in (infants, juniors):
        lead.post(f"/alerts/{alert_id}/status", data={"csrf": lead_csrf, "to": "acknowledged"})
    client, csrf = trust.signed_in(INFANTS_HEAD)
    for status in ("open", "acknowledged"):
        listed = client.get("/alerts", params={"status": status})
        assert juniors not in alert_links(listed.text)
        asked = client.get("/alerts", params={"status": status, "school": "juniors"})
        assert juniors not in alert_links(asked.text)
    assert infants in alert_links(client.get("/alerts?status=acknowledged").text)
    assert options_of(client.get("/alerts").text) == ["", "infants"]
    assert client.get(f"/alerts/{juniors}").status_code == 404
    assert client.get(f"/alerts/{infants}").status_code == 200
    for query in ("", "?school=juniors"):
        mentions = client.get("/mentions" + query).text
        assert "Calcot Junior School homework" not in mentions
        assert "Calcot Infants pickup" in mentions
        incidents = client.get("/incidents" + query).text
        assert f"/alerts/{juniors}" not in incidents and f"/alerts/{infants}" in incidents
        csv = client.get("/incidents.csv" + query).text
        assert "https://m.example/2" not in csv and "https://m.example/1" in csv
    # Acting on the other school's alert: 404, as for an unknown id, and nothing changes.
    before = _events(trust, juniors)
    posts = [
        (f"/alerts/{juniors}/status", {"to": "resolved", "note": "x"}),
        (f"/alerts/{juniors}/action", {"action": "reported", "note": "x"}),
        (f"/alerts/{juniors}/respond", {"op": "reply", "text": "Hello"}),
        (f"/alerts/{juniors}/respond/send", {"op": "reply", "text": "Hello", "once": "x"}),
        ("/alerts/bulk", {"op": "resolved", "ids": str(juniors), "confirm": "yes"}),
    ]
    for path, form in posts:
        answer = client.post(path, data={"csrf": csrf, **form})
        assert answer.status_code == 404, (path, answer.status_code)
    assert _status(trust, juniors) is AlertStatus.ACKNOWLEDGED
    assert _events(trust, juniors) == before
    # Their own school's alert they can act on.
    done = client.post(f"/alerts/{infants}/status", data={"csrf": csrf, "to": "resolved"})
    assert done.status_code == 303 and _status(trust, infants) is AlertStatus.RESOLVED


def _status(site: Site, alert_id: int) -> AlertStatus:
    with site.store.transaction(read_only=True) as tx:
        found = stored_alerts.get(tx, alert_id)
    assert found is not None
    return found.status


def _events(site: Site, alert_id: int) -> list[str]:
    with site.store.transaction(read_only=True) as tx:
        return [str(event.action) for event in stored_alerts.events(tx, alert_id)]


def test_one_school_has_no_school_filter(tmp_path: Path, smtp: SmtpServer) -> None:
    for site in make_site(tmp_path, smtp):
        client, _ = site.signed_in(SLT)
        for path in ("/alerts", "/mentions", "/incidents"):
            page = client.get(path)
            assert page.status_code == 200 and 'name="school"' not in page.text


def test_users_add_school_limits_and_list_shows_it(trust: Site) -> None:
    def run(*arguments: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, ["--config", str(trust.config_path), *arguments])
        return result.exit_code, result.output

    assert run("users", "add", ADMIN, "--school", "juniors", "--school", "infants") == (
        0,
        f"added {ADMIN} (slt; schools: infants, juniors)\n",
    )
    code, output = run("users", "add", ADMIN, "--school", "seniors")
    assert code == 2 and "'seniors'" in output and "infants, juniors" in output
    code, output = run("users", "list")
    assert code == 0
    lines = {line.split("\t")[0]: line.split("\t")[-1] for line in output.splitlines()[1:]}
    assert lines[ADMIN] == "infants, juniors"
    assert lines[INFANTS_HEAD] == "infants"
    assert lines[SLT] == "all"
    # The users page shows each user's schools by name to an administrator.
    run("users", "add", ADMIN, "--role", "admin")
    client, _ = trust.signed_in(ADMIN)
    page = client.get("/users").text
    assert f"{INFANTS_HEAD}</td>" in page
    assert '<td data-label="Schools">Calcot Infant School</td>' in page
    assert '<td data-label="Schools">All</td>' in page
