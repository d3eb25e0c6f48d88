"""Mail test fixtures: an SMTP server, a config that sends to it, a store, mentions and alerts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.config.settings import Config, load
from monitor.model import Alert, AlertDraft, Item, Sentiment, Severity
from storage import alerts, mentions
from storage.database import Store, Transaction
from tests.configs import write_config
from tests.mail.smtpd import SmtpServer

# A Tuesday in term, 10:00 in London (GMT in December).
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1."""
    server = SmtpServer().start()
    yield server
    server.stop()


def email_table(port: int, **keys: Any) -> str:
    """An [email] table sending to 127.0.0.1:port without TLS."""
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "security": "none",
        "from": "Calcot monitor <monitor@calcot.example>",
        "to": ["slt@calcot.example"],
        "urgent_to": ["head@calcot.example", "dsl@calcot.example"],
        "admin_to": ["it@calcot.example"],
        "quiet_hours": "21:00-07:00",
        "digest_schedule": "30 7 * * 1-5",
    }
    values.update(keys)
    import json

    lines = ["[email]"] + [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def mail_config(tmp_path: Path, url: str, port: int, **keys: Any) -> Config:
    """A loaded config with [email] pointing at the test server."""
    path = write_config(tmp_path, storage_url=url, sources={}, extra=email_table(port, **keys))
    return load(path)


@pytest.fixture
def config(tmp_path: Path, sqlite_url: str, smtp_server: SmtpServer) -> Config:
    """Config sending to the test server, storing in a SQLite file."""
    return mail_config(tmp_path, sqlite_url, smtp_server.port)


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    """The configured store, migrated."""
    with Store.open(config.storage.url) as opened:
        yield opened


def sentiment(compound: float, words: Sequence[str] = ()) -> Sentiment:
    """A sentiment with the given compound score and reasons."""
    return Sentiment(
        compound=compound,
        pos=max(compound, 0.0),
        neu=0.5,
        neg=max(-compound, 0.0),
        most_negative=min(compound, 0.0),
        most_negative_sentence="",
        words=tuple(words),
    )


def add_mention(
    tx: Transaction,
    external_id: str,
    *,
    source: str = "mumsnet",
    source_type: str = "mumsnet",
    now: datetime = NOW,
    compound: float | None = -0.6,
    words: Sequence[str] = ("awful",),
    labels: Sequence[str] = ("negative",),
    baseline: bool = False,
    **fields: Any,
) -> int:
    """Store one mention; its id."""
    values: dict[str, Any] = {
        "external_id": external_id,
        "item_type": "post",
        "text": f"Post {external_id} about Calcot Junior School.",
        "url": f"https://www.mumsnet.com/talk/primary/{external_id}",
        "title": f"Thread {external_id}",
        "author": "SomeParent",
        "published_at": now - timedelta(minutes=5),
    }
    values.update(fields)
    return mentions.add_or_update(
        tx,
        source=source,
        source_type=source_type,
        item=Item(**values),
        sentiment=None if compound is None else sentiment(compound, words),
        labels=list(labels),
        now=now,
        baseline=baseline,
    ).mention_id


def raise_alert(
    tx: Transaction,
    rule: str,
    mention_id: int | None,
    *,
    severity: Severity = Severity.URGENT,
    source: str | None = "mumsnet",
    summary: str | None = None,
    now: datetime = NOW,
) -> Alert:
    """Insert one alert through storage.alerts.add_many; the stored alert."""
    draft = AlertDraft(
        rule=rule,
        severity=severity,
        summary=summary or f"{rule} in a post",
        dedupe_key=f"{rule}:{source}:{mention_id}:{now.isoformat()}",
        source=source,
    )
    [stored] = alerts.add_many(tx, [alerts.NewAlert(draft, mention_id)], now)
    return stored
