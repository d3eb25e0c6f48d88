"""The webhook served by uvicorn in a thread, and deliveries signed as Meta signs them.

Deliveries are signed with HMAC-SHA256 of the raw body with the app secret, and dated like the
polled fixtures, so that a delivery and a later poll of the same comment can meet.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from monitor.model import Mention
from monitor.service.web_server import HEAD_TIMEOUT, server_config
from storage.database import Store
from storage.mention_reading import list_mentions
from tests.configs import write_config
from tests.sources.facebook_page.support import (
    APP_SECRET,
    APP_SECRET_ENV,
    PAGE_ID,
    TOKEN_ENV,
    VERSION,
    fixture,
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
