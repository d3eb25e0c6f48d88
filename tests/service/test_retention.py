"""Retention: exactly the expired data is purged; a dry run only counts; alerts keep metadata."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from monitor.cli import main
from monitor.config.settings import Config, load
from monitor.model import AlertDraft, Severity
from monitor.service.retention import purge
from storage import alerts, mentions
from storage.database import Store, Transaction
from storage.retention import REMOVED
from storage.schema import alert, alert_event, mention, mention_version, outbox
from tests.configs import write_config
from tests.storage.factories import make_item

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    return load(write_config(tmp_path, storage_url=database_url, sources={}))


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    with Store.open(config.storage.url) as opened:
        yield opened


def store_item(tx: Transaction, external_id: str, text: str, at: datetime) -> int:
    [outcome] = mentions.add_or_update_many(
        tx,
        source="reviews",
        source_type="google_places",
        writes=[mentions.MentionWrite(make_item(external_id, text=text), None, [], False)],
        now=at,
    )
    return outcome.mention_id


def add_mail(
    tx: Transaction, key: str, status: str, created: datetime, sent: datetime | None
) -> None:
    tx.connection.execute(
        sa.insert(outbox).values(
            kind="urgent",
            idempotency_key=key,
            message_id=f"<{key}@calcot.example>",
            recipients=["head@calcot.example"],
            subject=f"Urgent: review {key}",
            body_text=f"Quote of {key}",
            body_html=f"<p>Quote of {key}</p>",
            status=status,
            attempts=1,
            created_at=created,
            sent_at=sent,
        )
    )


@pytest.fixture
def filled(store: Store) -> Store:
    """Mentions, versions, alerts and mail either side of the 365-day cut-off."""
    with store.transaction() as tx:
        old = store_item(tx, "old", "Awful school, Mrs X shouted", NOW - 400 * DAY)
        store_item(tx, "edited_long_ago", "v1", NOW - 400 * DAY)
        store_item(tx, "edited_long_ago", "v2", NOW - 380 * DAY)
        store_item(tx, "edited_lately", "v1", NOW - 400 * DAY)
        store_item(tx, "edited_lately", "v2", NOW - 10 * DAY)
        store_item(tx, "twice", "v1", NOW - 400 * DAY)
        store_item(tx, "twice", "v2", NOW - 390 * DAY)
        store_item(tx, "twice", "v3", NOW - 5 * DAY)
        recent = store_item(tx, "recent", "Great nativity", NOW - DAY)
        drafts = [
            alerts.NewAlert(
                AlertDraft("abusive", Severity.HIGH, '"Awful school, Mrs X shouted"', "a:old"),
                old,
            ),
            alerts.NewAlert(AlertDraft("praise", Severity.INFO, '"Great nativity"', "p:r"), recent),
        ]
        [old_alert, _] = alerts.add_many(tx, drafts, NOW - 400 * DAY)
        tx.connection.execute(
            sa.insert(alert_event).values(
                alert_id=old_alert.id,
                at=NOW - 399 * DAY,
                actor="head",
                action="reported_to_platform",
                note="reported",
            )
        )
        add_mail(tx, "sent_old", "sent", NOW - 400 * DAY, NOW - 400 * DAY)
        add_mail(tx, "failed_old", "failed", NOW - 370 * DAY, None)
        add_mail(tx, "sent_new", "sent", NOW - DAY, NOW - DAY)
        add_mail(tx, "pending_old", "pending", NOW - 400 * DAY, None)
    return store


def snapshot(store: Store) -> dict[str, list[Any]]:
    with store.transaction() as tx:
        return {
            table.name: [
                tuple(row) for row in tx.connection.execute(sa.select(table).order_by(table.c.id))
            ]
            for table in (mention, mention_version, alert, alert_event, outbox)
        }


def test_dry_run_counts_and_changes_nothing(filled: Store, config: Config) -> None:
    before = snapshot(filled)
    counts = purge(filled, config, NOW, dry_run=True)
    assert (counts.mentions, counts.versions, counts.alert_summaries, counts.outbox_bodies) == (
        2,  # old, edited_long_ago
        2,  # edited_long_ago's v1, twice's v1
        1,
        2,
    )
    assert snapshot(filled) == before


def test_purge_removes_exactly_the_expired_data(filled: Store, config: Config) -> None:
    counts = purge(filled, config, NOW)
    assert (counts.mentions, counts.versions, counts.alert_summaries, counts.outbox_bodies) == (
        2,
        2,
        1,
        2,
    )
    after = snapshot(filled)
    with filled.transaction() as tx:
        kept = {row.external_id: row.text for row in tx.connection.execute(sa.select(mention))}
        versions = sorted(
            (row.text, row.version) for row in tx.connection.execute(sa.select(mention_version))
        )
        summaries = {
            row.rule: (row.summary, row.mention_id, row.status, row.severity)
            for row in tx.connection.execute(sa.select(alert))
        }
        mail = {
            row.idempotency_key: (row.subject, row.body_text, row.body_html)
            for row in tx.connection.execute(sa.select(outbox))
        }
    assert kept == {"edited_lately": "v2", "twice": "v3", "recent": "Great nativity"}
    assert versions == [("v1", 1), ("v2", 2)]  # edited_lately's v1 and twice's v2 are recent
    assert summaries["abusive"] == (REMOVED, None, "open", "high")
    assert summaries["praise"][0] == '"Great nativity"'
    assert len(after["alert_event"]) == 1  # the incident log is kept
    assert mail["sent_old"] == (REMOVED, "", None)
    assert mail["failed_old"] == (REMOVED, "", None)
    assert mail["sent_new"][1] == "Quote of sent_new"
    assert mail["pending_old"][1] == "Quote of pending_old"  # not sent yet: never blanked
    again = purge(filled, config, NOW)
    assert (again.mentions, again.versions, again.alert_summaries, again.outbox_bodies) == (
        0,
        0,
        0,
        0,
    )


def test_the_cut_off_is_exactly_retention_days_and_what_sits_on_it_is_kept(
    store: Store, config: Config
) -> None:
    """Data exactly `retention_days` old is kept; a second older is purged, a second younger
    kept: for mentions, the alerts quoting them, earlier versions and sent mail alike."""
    cutoff = NOW - config.storage.retention_days * DAY
    second = timedelta(seconds=1)
    with store.transaction() as tx:
        ids = {
            name: store_item(tx, name, f"text of {name}", at)
            for name, at in [
                ("younger", cutoff + second),
                ("exactly", cutoff),
                ("older", cutoff - second),
            ]
        }
        # Versions replaced exactly at the cut-off, and a second before it.
        for name, replaced in [("replaced_exactly", cutoff), ("replaced_older", cutoff - second)]:
            store_item(tx, name, "v1", NOW - 400 * DAY)
            store_item(tx, name, "v2", replaced)
            store_item(tx, name, "v3", NOW - DAY)
        alerts.add_many(
            tx,
            [
                alerts.NewAlert(AlertDraft("negative", Severity.NORMAL, f"quote {name}", name), id_)
                for name, id_ in ids.items()
            ],
            NOW - 400 * DAY,
        )
        add_mail(tx, "sent_younger", "sent", NOW - 400 * DAY, cutoff + second)
        add_mail(tx, "sent_exactly", "sent", NOW - 400 * DAY, cutoff)
        add_mail(tx, "sent_older", "sent", NOW - 400 * DAY, cutoff - second)
        add_mail(tx, "failed_exactly", "failed", cutoff, None)
        add_mail(tx, "failed_older", "failed", cutoff - second, None)

    counts = purge(store, config, NOW)

    assert (counts.mentions, counts.versions, counts.alert_summaries, counts.outbox_bodies) == (
        1,
        1,
        1,
        2,
    )
    with store.transaction() as tx:
        kept = {row.external_id: row.id for row in tx.connection.execute(sa.select(mention))}
        versions = {
            (row.mention_id, row.text) for row in tx.connection.execute(sa.select(mention_version))
        }
        summaries = {row.dedupe_key: row.summary for row in tx.connection.execute(sa.select(alert))}
        blanked = {
            row.idempotency_key
            for row in tx.connection.execute(sa.select(outbox))
            if row.subject == REMOVED
        }
    assert set(kept) == {"younger", "exactly", "replaced_exactly", "replaced_older"}
    assert versions == {
        (kept["replaced_exactly"], "v1"),
        (kept["replaced_exactly"], "v2"),
        (kept["replaced_older"], "v2"),
    }
    assert summaries == {
        "younger": "quote younger",
        "exactly": "quote exactly",
        "older": REMOVED,
    }
    assert blanked == {"sent_older", "failed_older"}


def test_purge_command_prints_counts_only(filled: Store, config: Config) -> None:
    # The command uses the real time: the fixture's dates are far enough either side of it.
    runner = CliRunner()
    before = snapshot(filled)
    dry = runner.invoke(main, ["--config", str(config.path), "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output == (
        "would purge: 2 mentions, 2 earlier versions, 1 alert quotes, 2 sent mail bodies,"
        " 0 expired review texts (older than 365 days)\n"
    )
    assert snapshot(filled) == before
    real = runner.invoke(main, ["--config", str(config.path), "purge"])
    assert real.exit_code == 0 and real.output.startswith("purged: ")
