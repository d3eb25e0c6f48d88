"""Edits, hides and removals by webhook change the mention as a poll would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.config.settings import Config, load
from monitor.model import Visibility
from monitor.service.webhook import create_app
from sources.facebook_page.webhook import WebhookChange, apply_change, parse_delivery
from storage import alerts, outbox
from storage.database import Store
from storage.mentions import versions
from tests.loopback import LoopbackServer
from tests.mail.conftest import email_table
from tests.mail.smtpd import SmtpServer
from tests.sources.facebook_page.support import CLOSURE, PAGE_ID, PAT, fixture, route_page, shift
from tests.sources.facebook_page.webhook_support import (
    REPLY_TO_PAT,
    ServerThread,
    config_file,
    post,
    signature,
    stored,
)


def deliver(url: str, name: str) -> httpx.Response:
    """POST a fixture delivery, dated like the others, signed with the app secret."""
    body = json.dumps(shift(fixture(name))).encode()
    return post(url, body, signature(body))


def listed(path: Path) -> dict[str, dict[str, Any]]:
    """`monitor mentions --format json`, by external id."""
    result = CliRunner().invoke(main, ["--config", str(path), "mentions", "--format", "json"])
    assert result.exit_code == 0, result.output
    return {mention["external_id"]: mention for mention in json.loads(result.output)}


def flush(path: Path) -> None:
    """`monitor mail flush`: send what the outbox holds to the test SMTP server."""
    result = CliRunner().invoke(main, ["--config", str(path), "mail", "flush"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1."""
    server = SmtpServer().start()
    yield server
    server.stop()


def test_an_edit_is_a_new_version_of_the_mention_alerted_and_mailed_once(
    secrets_env: None, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    path = config_file(tmp_path, extra=email_table(smtp_server.port))
    config = load(path)
    store = Store.open(config.storage.url)
    try:
        with ServerThread(create_app(config, store)) as url:
            assert deliver(url, "webhook_comment.json").status_code == 200
            assert deliver(url, "webhook_comment_edited.json").status_code == 200
            flush(path)
            # Meta retries: the same edit (and the add before it) again change nothing.
            assert deliver(url, "webhook_comment_edited.json").status_code == 200
            assert deliver(url, "webhook_comment.json").status_code == 200
            flush(path)
        found = stored(store)
        with store.transaction(read_only=True) as tx:
            [pat] = found[PAT]
            earlier = versions(tx, pat.id)
            raised = alerts.list_alerts(tx)
            unsent = outbox.unsent(tx)
    finally:
        store.close()
    assert pat.version == 2
    assert pat.text == (
        "Not the point. My neighbour says a teacher there was grooming pupils and the office knew."
    )
    assert [old.text for old in earlier] == ["The office did text at 6.50, check your spam."]
    assert pat.sentiment is not None and pat.parent_external_id == CLOSURE  # rescored, same thread
    assert [(alert.rule, alert.mention_id) for alert in raised] == [("safeguarding", pat.id)]
    assert len(smtp_server.received) == 1 and unsent == []  # mailed once, nothing left to send
    assert "grooming" in smtp_server.received[0].part("plain")
    assert listed(path)[PAT]["text"] == pat.text


def test_an_edit_after_a_poll_changes_only_the_text(
    server: LoopbackServer, secrets_env: None, tmp_path: Path
) -> None:
    route_page(server)
    path = config_file(tmp_path, api_url=server.url)
    config = load(path)
    store = Store.open(config.storage.url)
    try:
        result = CliRunner().invoke(main, ["--config", str(path), "scan"])
        assert result.exit_code == 0, result.output
        [polled] = stored(store)[PAT]
        with ServerThread(create_app(config, store)) as url:
            assert deliver(url, "webhook_comment_edited.json").status_code == 200
        [edited] = stored(store)[PAT]
    finally:
        store.close()
    assert edited.version == polled.version + 1 and "grooming" in edited.text
    # What the delivery does not carry (Facebook's permalink, can_hide) is the poll's still.
    assert (edited.url, edited.extra) == (polled.url, polled.extra)
    assert edited.published_at == polled.published_at and edited.author == polled.author


def test_hide_and_remove_are_recorded_on_the_mention_and_shown(
    secrets_env: None, tmp_path: Path
) -> None:
    path = config_file(tmp_path)
    config = load(path)
    store = Store.open(config.storage.url)
    try:
        with ServerThread(create_app(config, store)) as url:
            assert deliver(url, "webhook_comment.json").status_code == 200
            assert deliver(url, "webhook_comment_hide.json").status_code == 200
            hidden = listed(path)[PAT]
            table = CliRunner().invoke(main, ["--config", str(path), "mentions"]).output
            # Someone taking back a like on the comment is not the comment going.
            assert deliver(url, "webhook_reaction_remove.json").status_code == 200
            assert listed(path)[PAT]["visibility"] == "hidden"
            assert deliver(url, "webhook_comment_remove.json").status_code == 200
            removed = listed(path)[PAT]
            # Removal is final: a late hide, or the removal again, changes nothing.
            assert deliver(url, "webhook_comment_hide.json").status_code == 200
            assert deliver(url, "webhook_comment_remove.json").status_code == 200
        found = stored(store)
    finally:
        store.close()
    assert hidden["visibility"] == "hidden"
    assert "(hidden) The office did text at 6.50" in table
    assert removed["visibility"] == "removed"
    assert removed["text"] == "The office did text at 6.50, check your spam."  # kept as evidence
    [pat] = found[PAT]
    assert pat.visibility == Visibility.REMOVED and pat.version == 3
    assert [mention.visibility for mention in found[REPLY_TO_PAT]] == [Visibility.VISIBLE]


def test_a_removal_of_a_comment_never_stored_stores_nothing(
    receiver: tuple[str, Store, Config],
) -> None:
    url, store, _ = receiver
    assert deliver(url, "webhook_comment_remove.json").status_code == 200
    assert stored(store) == {}


def test_verbs_other_spellings_and_a_bare_hide_of_an_unknown_comment() -> None:
    def change_with(verb: str, **value: Any) -> WebhookChange:
        payload = fixture("webhook_comment_hide.json")
        payload["entry"][0]["changes"][0]["value"].update(verb=verb, **value)
        [change] = parse_delivery(json.dumps(payload).encode(), PAGE_ID)
        return change

    stored = change_with("add").item
    assert change_with("delete").verb == "remove" and change_with("update").verb == "edited"
    removed = apply_change(change_with("delete"), stored)
    assert removed is not None and removed.visibility == Visibility.REMOVED
    bare_hide = change_with("hide", message=None)
    assert not bare_hide.has_message and apply_change(bare_hide, None) is None
    hidden = apply_change(change_with("hide"), None)
    assert hidden is not None and hidden.visibility == Visibility.HIDDEN
    assert "grooming" in hidden.text  # first heard of hidden, with its words: stored so
    payload = fixture("webhook_comment_hide.json")
    payload["entry"][0]["changes"][0]["value"]["verb"] = "block"
    assert parse_delivery(json.dumps(payload).encode(), PAGE_ID) == []
