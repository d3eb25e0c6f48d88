"""Who may speak to the webhook: the subscription handshake, signed deliveries, both secrets."""

from __future__ import annotations

from pathlib import Path

import httpx
from click.testing import CliRunner

from monitor.cli import main
from monitor.config.secrets import Secret
from monitor.config.settings import Config, load
from monitor.service.webhook import webhook_sources
from sources.facebook_page.webhook import signature_valid, verify_subscription
from storage.database import Store
from tests.configs import write_config
from tests.loopback import LoopbackServer
from tests.sources.facebook_page.support import PAGE_ID, TOKEN_ENV
from tests.sources.facebook_page.webhook_support import (
    VERIFY_TOKEN,
    delivery,
    post,
    signature,
    stored,
)


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
