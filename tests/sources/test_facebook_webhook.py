"""The Facebook webhook: a real uvicorn server on 127.0.0.1 in a thread, a real SQLite file.

Deliveries are signed as Meta signs them (HMAC-SHA256 of the raw body with the app secret); a
delivery and a later poll of the same comment must end as one mention; an edit, a hide and a
removal change that mention as a poll would. Hostile clients speak raw HTTP over a socket.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from click.testing import CliRunner

from monitor.cli import main
from monitor.config.secrets import Secret
from monitor.config.settings import Config, load
from monitor.model import Mention, Visibility
from monitor.service.web_server import HEAD_TIMEOUT, server_config
from monitor.service.webhook import MAX_DELIVERY, DeliveryStore, Stored, create_app, webhook_sources
from sources.errors import SourceFormatError
from sources.facebook_page.webhook import (
    WebhookChange,
    apply_change,
    parse_delivery,
    signature_valid,
    verify_subscription,
)
from storage import alerts, outbox
from storage.database import Store
from storage.mentions import list_mentions, versions
from tests.configs import write_config
from tests.loopback import LoopbackServer
from tests.mail.conftest import email_table
from tests.mail.smtpd import SmtpServer
from tests.sources.test_facebook_page import (
    ALEX,
    APP_SECRET,
    APP_SECRET_ENV,
    CLOSURE,
    PAGE_ID,
    PAT,
    TOKEN,
    TOKEN_ENV,
    VERSION,
    fixture,
    route_page,
    shift,
)

VERIFY_TOKEN = "calcot-verify-7Yq2Lm9Ws"
VERIFY_ENV = "TEST_FB_VERIFY_TOKEN"
REPLY_TO_PAT = "122131676912594941_1560000999888777"


class ServerThread:
    """uvicorn serving an app on a random loopback port, in a thread, as `monitor webhook` does."""

    def __init__(self, app: Any, head_timeout: float = HEAD_TIMEOUT) -> None:
        config = server_config(app, "127.0.0.1", 0, head_timeout=head_timeout)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        for _ in range(1000):  # a bounded wait for start-up, not a timing assertion
            if self.server.started:
                break
            time.sleep(0.01)
        assert self.server.started
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The token, app secret and verify token in the environment, as config references them."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv(APP_SECRET_ENV, APP_SECRET)
    monkeypatch.setenv(VERIFY_ENV, VERIFY_TOKEN)


def config_file(
    tmp_path: Path,
    api_url: str = "http://127.0.0.1:9",
    storage_url: str | None = None,
    extra: str = "",
) -> Path:
    """A config with one webhook-enabled facebook_page source named `facebook`."""
    source = {
        "type": "facebook_page",
        "page_id": PAGE_ID,
        "access_token_env": TOKEN_ENV,
        "app_secret_env": APP_SECRET_ENV,
        "verify_token_env": VERIFY_ENV,
        "api_url": api_url,
        "api_version": VERSION,
    }
    return write_config(
        tmp_path,
        storage_url=storage_url or f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"facebook": source},
        extra=extra,
    )


@pytest.fixture
def receiver(secrets_env: None, tmp_path: Path) -> Iterator[tuple[str, Store, Config]]:
    """The webhook app served by uvicorn, with its store and config."""
    config = load(config_file(tmp_path))
    store = Store.open(config.storage.url)
    try:
        with ServerThread(create_app(config, store)) as url:
            yield url, store, config
    finally:
        store.close()


def delivery() -> bytes:
    """The webhook fixture (two comments and a reaction), dated like the polled fixtures."""
    return json.dumps(shift(fixture("webhook_comment.json"))).encode()


def signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(url: str, body: bytes, signed: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signed is not None:
        headers["X-Hub-Signature-256"] = signed
    return httpx.post(f"{url}/facebook/facebook", content=body, headers=headers)


def stored(store: Store) -> dict[str, list[Mention]]:
    """Stored mentions by external id (a list, so a duplicate would show)."""
    found: dict[str, list[Mention]] = {}
    with store.transaction() as tx:
        for mention in list_mentions(tx):
            found.setdefault(mention.external_id, []).append(mention)
    return found


# ---- verification -------------------------------------------------------------------------


def test_verification_echoes_the_challenge_only_for_the_right_token(
    receiver: tuple[str, Store, Config],
) -> None:
    url = receiver[0]
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": ""}
    good = httpx.get(f"{url}/facebook/facebook", params={**query, "hub.verify_token": VERIFY_TOKEN})
    assert (good.status_code, good.text) == (200, "1158201444")
    bad = httpx.get(f"{url}/facebook/facebook", params={**query, "hub.verify_token": "guess"})
    assert bad.status_code == 403 and "1158201444" not in bad.text
    wrong_mode = {**query, "hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN}
    assert httpx.get(f"{url}/facebook/facebook", params=wrong_mode).status_code == 403
    assert httpx.get(f"{url}/facebook/nope", params=query).status_code == 404


# ---- deliveries ---------------------------------------------------------------------------


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


def test_a_tampered_or_unsigned_delivery_is_refused_and_nothing_stored(
    receiver: tuple[str, Store, Config],
) -> None:
    url, store, _ = receiver
    body = delivery()
    tampered = body.replace(b"check your spam", b"the head is a liar")
    assert post(url, tampered, signature(body)).status_code == 403
    assert post(url, body, None).status_code == 403
    assert post(url, body, signature(body, "another-app-secret")).status_code == 403
    assert post(url, body, signature(body).replace("sha256=", "sha1=")).status_code == 403
    assert stored(store) == {}


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


# ---- edits, hides and removals ------------------------------------------------------------


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


# ---- hostile clients ------------------------------------------------------------------------


def address(url: str) -> tuple[str, int]:
    """(host, port) of an http://host:port URL."""
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def read_until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a reset counts as closed)."""
    received = b""
    while True:
        try:
            data = connection.recv(65536)
        except ConnectionResetError:
            return received
        if not data:
            return received
        received += data


HEAD = (
    b"POST /facebook/facebook HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nX-Hub-Signature-256: sha256=00\r\n"
)


def test_a_chunked_body_over_the_cap_is_413_and_the_rest_is_not_read(
    receiver: tuple[str, Store, Config],
) -> None:
    url, store, _ = receiver
    attempted = 128 * MAX_DELIVERY
    sent = 0
    stopped: list[OSError] = []

    def send_chunks(connection: socket.socket) -> None:
        nonlocal sent
        chunk = b"x" * 65536
        frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        try:
            while sent < attempted:
                connection.sendall(frame)
                sent += len(chunk)
            connection.sendall(b"0\r\n\r\n")
        except OSError as error:  # the server closed the connection: what should happen
            stopped.append(error)

    with socket.create_connection(address(url), timeout=30) as connection:
        connection.sendall(HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
        sender = threading.Thread(target=send_chunks, args=(connection,))
        sender.start()
        response = read_until_closed(connection)
        sender.join(30)
    assert not sender.is_alive()
    assert response.startswith(b"HTTP/1.1 413 ")
    # The server stopped reading near the cap: the client could not send the rest. (What it
    # did send is the cap plus what the two sockets' buffers hold: at most 36 MiB on Linux.)
    assert stopped and sent < attempted // 2
    assert stored(store) == {}


def test_a_body_that_trickles_in_too_slowly_is_408_and_closed(
    secrets_env: None, tmp_path: Path
) -> None:
    config = load(config_file(tmp_path))
    store = Store.open(config.storage.url)
    done = threading.Event()

    def trickle(connection: socket.socket) -> None:
        try:
            while not done.wait(0.05):
                connection.sendall(b" ")
        except OSError:
            pass

    try:
        with ServerThread(create_app(config, store, body_timeout=0.5)) as url:
            with socket.create_connection(address(url), timeout=30) as connection:
                connection.sendall(HEAD + b"Content-Length: 100000\r\n\r\n{")
                sender = threading.Thread(target=trickle, args=(connection,))
                sender.start()
                response = read_until_closed(connection)
                done.set()
                sender.join(30)
        assert stored(store) == {}
    finally:
        store.close()
    assert response.startswith(b"HTTP/1.1 408 ")
    assert b"connection: close" in response.lower()


def test_a_request_head_that_never_ends_is_closed(secrets_env: None, tmp_path: Path) -> None:
    config = load(config_file(tmp_path))
    store = Store.open(config.storage.url)
    done = threading.Event()

    def trickle(connection: socket.socket) -> None:
        try:
            connection.sendall(HEAD + b"X-Slow: ")
            while not done.wait(0.05):
                connection.sendall(b"a")
        except OSError:
            pass

    try:
        with ServerThread(create_app(config, store), head_timeout=0.5) as url:
            with socket.create_connection(address(url), timeout=30) as connection:
                sender = threading.Thread(target=trickle, args=(connection,))
                sender.start()
                response = read_until_closed(connection)
                done.set()
                sender.join(30)
            # The deadline is per request: a prompt client on a kept-alive connection is served.
            with httpx.Client() as client:
                body = delivery()
                for _ in range(2):
                    answer = client.post(
                        f"{url}/facebook/facebook",
                        content=body,
                        headers={"X-Hub-Signature-256": signature(body)},
                    )
                    assert answer.status_code == 200
        assert set(stored(store)) == {PAT, REPLY_TO_PAT}
    finally:
        store.close()
    assert response == b""  # closed without an answer: there was no request to answer


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


# ---- the pure parts -----------------------------------------------------------------------


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


def test_signature_and_verify_token_checks() -> None:
    secret = Secret("s3cret-for-signing")
    assert signature_valid(b"{}", signature(b"{}", "s3cret-for-signing"), secret)
    assert not signature_valid(b"{}", None, secret)
    assert not signature_valid(b"{} ", signature(b"{}", "s3cret-for-signing"), secret)
    token = Secret("verify-me-please")
    query = {"hub.mode": "subscribe", "hub.verify_token": "verify-me-please"}
    assert verify_subscription({**query, "hub.challenge": "42"}, token) == "42"
    assert verify_subscription(query, token) is None  # no challenge to echo


def test_webhook_command_refuses_to_start_without_webhook_secrets(
    server: LoopbackServer, secrets_env: None, tmp_path: Path
) -> None:
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={
            "facebook": {"type": "facebook_page", "page_id": PAGE_ID, "access_token_env": TOKEN_ENV}
        },
    )
    assert webhook_sources(load(path)) == {}
    result = CliRunner().invoke(main, ["--config", str(path), "webhook"])
    assert result.exit_code == 2
    assert "no enabled facebook_page source has both app_secret_* and verify_token_*" in (
        result.output
    )
