"""The policy's advice names where the mention is: a Wikipedia edit is taken to the article's talk
page, a Mumsnet post is reported to Mumsnet, a comment on our Facebook page is hidden, a review
is flagged to Google, a news story goes to the editor's corrections route (issue #18).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.config.settings import Config, load
from monitor.judgement import advice
from monitor.mail.delivery import dispatch
from monitor.mail.urgent import queue_urgent
from monitor.model import Severity
from sources.base import adapters
from sources.capabilities import Advice
from storage.database import Store
from tests.configs import write_config
from tests.mail.conftest import NOW, add_mention, email_table, raise_alert
from tests.mail.smtpd import SmtpServer

SOURCES: dict[str, dict[str, Any]] = {
    "wiki": {"type": "wikipedia", "search": ['"Calcot Junior School"']},
    "mumsnet": {"type": "mumsnet", "threads": ["https://www.mumsnet.com/talk/x/5400001-a"]},
    "news": {"type": "feed", "url": "https://news.example/feed.xml"},
}
# What each source's advice must say, and what it must not (another service's way of acting).
SAID = {
    "wiki": ("talk page", "Never edit the school's own article"),
    "mumsnet": ("Report the post to Mumsnet", "Talk Guidelines"),
    "news": ("corrections route", "IPSO"),
}
GENERIC_DELETE = "ask them to delete it"


@pytest.fixture
def config_path(tmp_path: Path, sqlite_url: str, smtp_server: SmtpServer) -> Path:
    return write_config(
        tmp_path, storage_url=sqlite_url, sources=SOURCES, extra=email_table(smtp_server.port)
    )


@pytest.mark.parametrize("source", sorted(SAID))
def test_urgent_mail_about_staff_named_gives_the_advice_of_the_source_where_it_was_said(
    config_path: Path, smtp_server: SmtpServer, source: str
) -> None:
    config: Config = load(config_path)
    source_type = SOURCES[source]["type"]
    with Store.open(config.storage.url) as store:
        with store.transaction() as tx:
            mention = add_mention(tx, "m1", source=source, source_type=source_type)
            alert = raise_alert(tx, "staff_named", mention, source=source)
            queue_urgent(tx, config, [alert], NOW)
        assert dispatch(store, config, NOW).sent == 1

    [mail] = smtp_server.received
    plain = " ".join(mail.part("plain").split())
    for phrase in SAID[source]:
        assert phrase in plain
    others = [phrase for name, said in SAID.items() if name != source for phrase in said]
    assert not [phrase for phrase in others if phrase in plain]
    # Not the generic "ask for it to be deleted" for a service where that is not how it works.
    assert GENERIC_DELETE not in plain


def test_alerts_show_gives_the_advice_of_the_mention_source(config_path: Path) -> None:
    config = load(config_path)
    with Store.open(config.storage.url) as store, store.transaction() as tx:
        mention = add_mention(tx, "w1", source="wiki", source_type="wikipedia")
        alert = raise_alert(tx, "abusive", mention, source="wiki")
    shown = CliRunner().invoke(
        main, ["--config", str(config_path), "alerts", "show", str(alert.id)]
    )
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    assert "the policy suggests:" in text and "talk page" in text
    assert GENERIC_DELETE not in text


def test_a_source_no_longer_configured_gets_the_generic_advice() -> None:
    steps = advice.suggestions("abusive", None)
    assert any(GENERIC_DELETE in step for step in steps)
    assert not any("{" in step for step in steps)


def test_every_built_in_adapter_says_where_and_how_to_act() -> None:
    generic = Advice()
    for name, adapter in adapters().items():
        declared = adapter.capabilities.advice
        if adapter.module.startswith("sources."):
            assert declared.respond != generic.respond, name
            assert declared.remove != generic.remove, name


@pytest.mark.parametrize("rule", sorted(advice.SUGGESTIONS))
def test_every_rule_step_is_filled_in(rule: str) -> None:
    where = Advice(respond="RESPOND HERE", remove="REMOVE HERE")
    steps = advice.suggestions(rule, where)
    assert steps and not any("{" in step for step in steps)
    placeholders = [step for step in advice.SUGGESTIONS[rule] if step.startswith("{")]
    assert len(placeholders) == sum(step in ("RESPOND HERE", "REMOVE HERE") for step in steps)


def test_the_alert_page_gives_the_advice_of_the_mention_source(config_path: Path) -> None:
    from monitor.model import Role
    from monitor.web.pages.alerts import load_alert

    config = load(config_path)
    with Store.open(config.storage.url) as store:
        with store.transaction() as tx:
            mention = add_mention(tx, "m2", source="mumsnet", source_type="mumsnet")
            alert = raise_alert(tx, "abusive", mention, source="mumsnet", severity=Severity.HIGH)
        page = load_alert(store, config, alert.id, Role.SLT)
    assert page is not None
    text = " ".join(page.advice)
    assert "Report the post to Mumsnet" in text and GENERIC_DELETE not in text
