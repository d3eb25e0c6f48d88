"""Webhook deliveries stored once, scored, threaded, and one mention with a later poll."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.config.settings import Config, load
from monitor.service.webhook import DeliveryStore, Stored, create_app
from sources.errors import SourceFormatError
from sources.facebook_page.webhook import parse_delivery
from storage.database import Store
from tests.loopback import LoopbackServer
from tests.sources.facebook_page.support import ALEX, CLOSURE, PAGE_ID, PAT, fixture, route_page
from tests.sources.facebook_page.webhook_support import (
    REPLY_TO_PAT,
    ServerThread,
    config_file,
    delivery,
    post,
    signature,
    stored,
)


def test_a_signed_delivery_stores_each_comment_scored_with_its_thread(
    receiver: tuple[str, Store, Config],
) -> None:
    url, store, _ = receiver
    body = delivery()
    response = post(url, body, signature(body))
    assert (response.status_code, response.text) == (200, "ok")
    found = stored(store)
    assert set(found) == {PAT, REPLY_TO_PAT}  # the reaction carries no text: skipped
    [pat], [reply] = found[PAT], found[REPLY_TO_PAT]
    assert pat.parent_external_id == CLOSURE and reply.parent_external_id == PAT
    assert pat.author == "Pat Governor" and pat.source_type == "facebook_page"
    assert pat.text == "The office did text at 6.50, check your spam."
    assert pat.sentiment is not None and pat.labels  # scored and labelled like the scan does
    assert "7055544433322211" not in json.dumps(dict(pat.extra))  # no profile id kept


def test_a_duplicate_delivery_stores_nothing_new(receiver: tuple[str, Store, Config]) -> None:
    url, store, _ = receiver
    body = delivery()
    assert post(url, body, signature(body)).status_code == 200
    first = stored(store)
    assert post(url, body, signature(body)).status_code == 200
    again = stored(store)
    assert again == first
    assert all(len(copies) == 1 and copies[0].version == 1 for copies in again.values())


def test_a_garbled_signed_delivery_is_400_and_stores_nothing(
    receiver: tuple[str, Store, Config],
) -> None:
    url, store, _ = receiver
    body = b'{"object": "page", "entry": [{"id": "' + PAGE_ID.encode() + b'", "changes": 7}]}'
    assert post(url, body, signature(body)).status_code == 400
    assert stored(store) == {}


def test_a_webhook_delivery_and_a_later_poll_of_the_same_comment_are_one_mention(
    server: LoopbackServer, secrets_env: None, tmp_path: Path
) -> None:
    route_page(server)
    path = config_file(tmp_path, api_url=server.url)
    config = load(path)
    store = Store.open(config.storage.url)
    try:
        with ServerThread(create_app(config, store)) as url:
            body = delivery()
            assert post(url, body, signature(body)).status_code == 200
            result = CliRunner().invoke(main, ["--config", str(path), "scan"])
            assert result.exit_code == 0, result.output
            # A delivery after the poll (Meta retries) changes nothing either.
            assert post(url, body, signature(body)).status_code == 200
        found = stored(store)
    finally:
        store.close()
    assert len(found[PAT]) == 1 and len(found[ALEX]) == 1
    [pat] = found[PAT]
    assert pat.text == "The office did text at 6.50, check your spam."
    assert pat.parent_external_id == CLOSURE
    # The poll filled in what a delivery lacks: Facebook's own permalink and the moderation flags.
    assert pat.url is not None and "pfbid02kQ7mZ1closure" in pat.url
    assert pat.extra["can_hide"] is True
    assert pat.version == 2  # that fill-in is the one update; the text never changed
    assert len(found[REPLY_TO_PAT]) == 1  # known from the webhook only, kept


def test_deliveries_are_stored_once_on_each_database(
    database_url: str, secrets_env: None, tmp_path: Path
) -> None:
    config = load(config_file(tmp_path, storage_url=database_url))
    store = Store.open(database_url)
    try:
        deliveries = DeliveryStore(config, store)
        changes = parse_delivery(delivery(), PAGE_ID)
        assert deliveries.store_changes("facebook", changes) == Stored(new=2, updated=0, skipped=0)
        assert deliveries.store_changes("facebook", changes) == Stored(new=0, updated=0, skipped=2)
        assert sorted(stored(store)) == sorted([PAT, REPLY_TO_PAT])
    finally:
        store.close()


def test_parse_delivery_builds_the_same_ids_a_poll_does_and_skips_other_pages() -> None:
    payload = fixture("webhook_comment.json")
    changes = parse_delivery(json.dumps(payload).encode(), PAGE_ID)
    assert [(change.verb, change.item.external_id) for change in changes] == [
        ("add", PAT),
        ("add", REPLY_TO_PAT),
    ]
    assert parse_delivery(json.dumps(payload).encode(), "999") == []
    with pytest.raises(SourceFormatError, match="webhook delivery: the response is not JSON"):
        parse_delivery(b"{not json", PAGE_ID)
    with pytest.raises(SourceFormatError, match="object is not 'page'"):
        parse_delivery(b'{"object": "user", "entry": []}', PAGE_ID)
