"""`monitor webhook` serves any adapter that declares a webhook, knowing nothing of its service.

A toy adapter (registered here, as a plug-in would be) declares its own path and receiver; the
same app that serves the Facebook Page serves it, verifies, authenticates and stores through it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import sources.base
from monitor.config.settings import load
from monitor.model import FetchResult, Item, SourceState
from monitor.service.webhook import create_app, webhook_sources
from sources.base import SourceConfig, register
from sources.capabilities import Capabilities, Webhook
from sources.errors import SourceFormatError
from sources.http import PoliteClient
from storage import mention_reading
from storage.database import Store
from tests.configs import write_config
from tests.sources.facebook_page.webhook_support import ServerThread


class BellConfig(SourceConfig):
    """A toy service that rings us: `bell` is the word a delivery must carry to be believed."""

    bell: str = ""


@dataclass(frozen=True)
class Rung:
    """One change a delivery reports: a new item, stored only if it is not stored yet."""

    item: Item

    def apply(self, stored: Item | None) -> Item | None:
        return self.item if stored is None else None


@dataclass(frozen=True)
class BellReceiver:
    bell: str

    def verify(self, query: Mapping[str, str]) -> str | None:
        return query.get("echo") if query.get("bell") == self.bell else None

    def authentic(self, body: bytes, headers: Mapping[str, str]) -> bool:
        return headers.get("X-Bell") == self.bell

    def changes(self, body: bytes) -> list[Rung]:
        try:
            rows = json.loads(body)
            return [Rung(Item(external_id=r["id"], item_type="post", text=r["text"])) for r in rows]
        except (ValueError, KeyError, TypeError) as error:
            raise SourceFormatError(f"not a list of rings: {error}") from None


def bell_receiver(config: BellConfig) -> BellReceiver | None:
    return BellReceiver(config.bell) if config.bell else None


async def fetch_nothing(http: PoliteClient, config: BellConfig, state: SourceState) -> FetchResult:
    return FetchResult([])


@pytest.fixture
def bell_type() -> Iterator[None]:
    hook = Webhook(path="bell", receiver=bell_receiver, needs="a bell")
    register("bell", BellConfig, Capabilities(webhook=hook))(fetch_nothing)
    yield
    sources.base.unregister("bell")


def test_a_plugin_webhook_is_served_at_its_own_path_through_its_own_receiver(
    bell_type: None, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    path = write_config(
        tmp_path,
        storage_url=url,
        sources={
            "front": {"type": "bell", "bell": "ding"},
            "mute": {"type": "bell"},  # no bell: no receiver, not served
            "off": {"type": "bell", "bell": "dong", "enabled": False},
        },
    )
    config = load(path)
    assert sorted(webhook_sources(config)) == ["front"]
    body = json.dumps([{"id": "r1", "text": "Calcot Infant School's office never answers."}])
    with Store.open(url) as store, ServerThread(create_app(config, store)) as base:
        handshake = httpx.get(f"{base}/bell/front", params={"bell": "ding", "echo": "42"})
        refused = httpx.get(f"{base}/bell/front", params={"bell": "dong", "echo": "42"})
        forged = httpx.post(f"{base}/bell/front", content=body, headers={"X-Bell": "dong"})
        elsewhere = httpx.post(f"{base}/facebook/front", content=body, headers={"X-Bell": "ding"})
        muted = httpx.post(f"{base}/bell/mute", content=body, headers={"X-Bell": ""})
        garbled = httpx.post(f"{base}/bell/front", content=b"{", headers={"X-Bell": "ding"})
        with store.transaction(read_only=True) as tx:
            assert mention_reading.list_mentions(tx) == []
        rung = httpx.post(f"{base}/bell/front", content=body, headers={"X-Bell": "ding"})
        again = httpx.post(f"{base}/bell/front", content=body, headers={"X-Bell": "ding"})
        with store.transaction(read_only=True) as tx:
            found = mention_reading.list_mentions(tx)
    assert (handshake.status_code, handshake.text) == (200, "42")
    assert [refused.status_code, forged.status_code] == [403, 403]
    assert [elsewhere.status_code, muted.status_code, garbled.status_code] == [404, 404, 400]
    assert [rung.status_code, again.status_code] == [200, 200]
    [mention] = found
    assert (mention.source, mention.source_type, mention.external_id) == ("front", "bell", "r1")
    assert mention.sentiment is not None  # scored as the scan scores


def test_the_webhook_command_names_what_each_webhook_type_needs(
    bell_type: None, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from monitor.cli import main

    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"b": {"type": "bell"}},
    )
    result = CliRunner().invoke(main, ["--config", str(path), "webhook"])
    assert result.exit_code == 2
    assert (
        "no enabled bell source has a bell or facebook_page source has both app_secret_* and"
        " verify_token_* set"
    ) in result.output
