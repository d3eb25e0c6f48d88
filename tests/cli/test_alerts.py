"""The alert lifecycle and incident log through `monitor alerts`, `incidents` and `rescore`."""

from __future__ import annotations

import csv
import getpass
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from monitor.cli import main
from monitor.config.settings import load
from monitor.model import (
    Alert,
    AlertDraft,
    AlertStatus,
    EditorKind,
    Item,
    RevisionFacts,
    Severity,
)
from monitor.scan.ingest import Ingest
from monitor.scan.rescore import rescore
from storage import alerts, mention_reading, mentions, outbox, schema
from storage.alerts import NewAlert
from storage.database import Store, Transaction
from tests.configs import write_config

ALERT_FIELDS = [
    "id",
    "rule",
    "severity",
    "status",
    "mention_id",
    "summary",
    "created_at",
    "schools",
]
INCIDENT_FIELDS = ["alert_id", "at", "actor", "action", "note", "rule", "severity", "mention_url"]


@pytest.fixture
def config_path(tmp_path: Path, database_url: str) -> Path:
    return write_config(tmp_path, storage_url=database_url, sources={})


@pytest.fixture
def raised(config_path: Path, database_url: str) -> list[int]:
    """Two alerts about one stored mention: [urgent staff_named, normal negative]."""
    now = datetime.now(UTC) - timedelta(hours=1)
    item = Item(
        external_id="e1", item_type="entry", url="https://news.example/e1",
        text="Mrs Example shouted at my son. \x9b31mTotal shambles.", title="Calcot",
    )  # fmt: skip
    with Store.open(database_url) as store, store.transaction() as tx:
        written = mentions.add_or_update(
            tx, source="news", source_type="feed", item=item, sentiment=None, labels=[],
            now=now, baseline=False,
        )  # fmt: skip
        drafts = [
            AlertDraft("staff_named", Severity.URGENT, "names a member of staff", "s:news:e1"),
            AlertDraft("negative", Severity.NORMAL, "negative (compound −0.70)", "n:news:e1"),
        ]
        stored = alerts.add_many(tx, [NewAlert(d, written.mention_id) for d in drafts], now)
    return [alert.id for alert in stored]


def run(config_path: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config_path), *args], catch_exceptions=False)


def test_list_as_json_and_table(config_path: Path, raised: list[int]) -> None:
    listed = json.loads(run(config_path, "alerts", "--format", "json").output)
    assert [record["id"] for record in listed] == sorted(raised, reverse=True)
    assert all(list(record) == ALERT_FIELDS for record in listed)
    assert listed[-1]["severity"] == "urgent" and listed[-1]["status"] == "open"
    table = run(config_path, "alerts")
    assert table.exit_code == 0
    assert table.output.splitlines()[0].split("\t")[:3] == [
        "id",
        "raised (Europe/London)",
        "severity",
    ]
    assert len(table.output.splitlines()) == 3


def test_the_lifecycle_with_its_incident_log(config_path: Path, raised: list[int]) -> None:
    staff, negative = raised
    acked = run(config_path, "alerts", "ack", str(staff), "--as", "Head", "--note", "on it")
    assert acked.exit_code == 0 and acked.output == f"alert {staff}: acknowledged by Head\n"
    assert (
        run(config_path, "alerts", "action", str(staff), "contacted_posh", "--as", "DSL").exit_code
        == 0
    )
    assert run(config_path, "alerts", "action", str(staff), "requested_deletion",
               "--note", "asked the site").exit_code == 0  # fmt: skip
    assert run(config_path, "alerts", "resolve", str(staff), "--as", "Head").exit_code == 0
    assert (
        run(config_path, "alerts", "dismiss", str(negative), "--note", "fair comment").exit_code
        == 0
    )

    statuses = {
        record["id"]: record["status"]
        for record in json.loads(
            run(config_path, "alerts", "--status", "all", "--format", "json").output
        )
    }
    assert statuses == {staff: "resolved", negative: "dismissed"}
    assert run(config_path, "alerts").exit_code == 0  # nothing open: says so on stderr
    assert json.loads(run(config_path, "alerts", "--format", "json").output) == []

    log = json.loads(run(config_path, "incidents", "--format", "json").output)
    assert all(list(entry) == INCIDENT_FIELDS for entry in log)
    assert [(e["alert_id"], e["actor"], e["action"], e["note"]) for e in log] == [
        (staff, "Head", "acknowledged", "on it"),
        (staff, "DSL", "contacted_posh", None),
        (staff, getpass.getuser(), "requested_deletion", "asked the site"),
        (staff, "Head", "resolved", None),
        (negative, getpass.getuser(), "dismissed", "fair comment"),
    ]
    assert {e["rule"] for e in log} == {"staff_named", "negative"}
    assert log[0]["severity"] == "urgent" and log[0]["mention_url"] == "https://news.example/e1"
    assert log[0]["at"].endswith("Z")

    as_csv = list(csv.DictReader(io.StringIO(run(config_path, "incidents").output)))
    assert len(as_csv) == 5 and list(as_csv[0]) == INCIDENT_FIELDS
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    assert (
        json.loads(run(config_path, "incidents", "--since", tomorrow, "--format", "json").output)
        == []
    )

    shown = run(config_path, "alerts", "show", str(staff))
    assert shown.exit_code == 0
    assert f"alert {staff}: staff_named (urgent), resolved" in shown.output
    assert "why: names a member of staff" in shown.output
    assert "url: https://news.example/e1" in shown.output
    assert "the policy suggests:\n  - A member of staff is named" in shown.output
    assert "DSL contacted_posh" in shown.output and "Head acknowledged: on it" in shown.output
    assert "\x9b" not in shown.output and "\\x9b31m" in shown.output  # scraped text is inert


@pytest.mark.parametrize(
    "args",
    [
        ("alerts", "show", "999"),
        ("alerts", "ack", "999"),
        ("alerts", "resolve", "999"),
        ("alerts", "dismiss", "999"),
        ("alerts", "action", "999", "note"),
    ],
)
def test_unknown_id_is_a_usage_error(
    config_path: Path, raised: list[int], args: tuple[str, ...]
) -> None:
    result = CliRunner().invoke(main, ["--config", str(config_path), *args])
    assert result.exit_code == 2
    assert "no alert with id 999" in result.output


def test_disallowed_changes_are_refused_and_not_logged(
    config_path: Path, raised: list[int]
) -> None:
    staff = str(raised[0])
    assert run(config_path, "alerts", "resolve", staff).exit_code == 0  # open → resolved is fine
    for verb in ("ack", "resolve", "dismiss"):
        refused = CliRunner().invoke(main, ["--config", str(config_path), "alerts", verb, staff])
        assert refused.exit_code == 2
        assert f"alert {staff} is resolved" in refused.output
    unknown = CliRunner().invoke(
        main, ["--config", str(config_path), "alerts", "action", staff, "tweeted"]
    )
    assert unknown.exit_code == 2
    # A note after resolution is still part of the record.
    assert (
        run(config_path, "alerts", "action", staff, "note", "--note", "parent thanked us").exit_code
        == 0
    )
    log = json.loads(run(config_path, "incidents", "--format", "json").output)
    assert [e["action"] for e in log] == ["resolved", "note"]


def test_rescore_rescores_all_and_alerts_only_recent_once(
    tmp_path: Path, database_url: str
) -> None:
    path = write_config(tmp_path, storage_url=database_url, sources={})
    now = datetime.now(UTC)
    texts = {
        "recent": ("Still waiting for a call back since March.", now - timedelta(days=1)),
        "old": ("Total shambles, they have done nothing.", now - timedelta(days=30)),
        "history": ("What a shambles, done nothing at all.", now - timedelta(days=1)),
    }
    with Store.open(database_url) as store, store.transaction() as tx:
        for key, (text, seen) in texts.items():
            mentions.add_or_update(
                tx, source="news", source_type="feed",
                item=Item(external_id=key, item_type="entry", text=text), sentiment=None,
                labels=[], now=seen, baseline=key == "history",
            )  # fmt: skip
    first = run(path, "rescore")
    assert first.exit_code == 0, first.output
    assert first.output == (
        "rescored 3 mentions (3 changed); rules re-applied to 2 from the last 7 days: "
        "1 new alerts\n"
    )
    [alert] = json.loads(run(path, "alerts", "--format", "json").output)
    assert alert["rule"] == "negative" and "'still waiting'" in alert["summary"]
    with Store.open(database_url) as store, store.transaction(read_only=True) as tx:
        stored = {m.external_id: m for m in mention_reading.list_mentions(tx)}
    assert stored["old"].labels == ("negative",)  # re-scored, but last month's news raises nothing
    assert stored["old"].sentiment is not None and stored["old"].sentiment.compound < -0.5
    second = run(path, "rescore")
    assert second.output.endswith(
        "0 changed); rules re-applied to 2 from the last 7 days: 0 new alerts\n"
    )
    since = (now - timedelta(days=3)).isoformat()
    assert run(path, "rescore", "--since", since).output.startswith("rescored 2 mentions")


def test_commands_are_listed_in_help(config_path: Path) -> None:
    output = run(config_path, "--help").output
    assert "alerts" in output and "incidents" in output and "rescore" in output
    assert AlertStatus.DISMISSED in run(config_path, "alerts", "--help").output


def test_rescore_hands_new_alerts_to_the_hook_in_its_transaction(
    tmp_path: Path, database_url: str
) -> None:
    path = write_config(tmp_path, storage_url=database_url, sources={})
    config = load(path)
    now = datetime.now(UTC)
    with Store.open(database_url) as store:
        with store.transaction() as tx:
            mentions.add_or_update(
                tx, source="news", source_type="feed",
                item=Item("e1", "entry", "Police investigate abuse at the school."),
                sentiment=None, labels=[], now=now, baseline=False,
            )  # fmt: skip
        handed: list[tuple[str, int]] = []

        def hook(tx: Transaction, raised: list[Alert], at: datetime) -> None:
            # Inside the writing transaction: the alert is already readable there.
            handed.extend((alert.rule, len(alerts.list_alerts(tx))) for alert in raised)

        report = rescore(store, Ingest(config, hook), now=now)
    assert report.raised == 1 and handed == [("safeguarding", 1)]


def test_rescore_queues_urgent_mail_like_a_scan(tmp_path: Path, database_url: str) -> None:
    email = (
        '[email]\nsmtp_host = "127.0.0.1"\nsecurity = "none"\n'
        'from = "monitor@calcot.example"\nto = ["slt@calcot.example"]\n'
    )
    path = write_config(tmp_path, storage_url=database_url, sources={}, extra=email)
    with Store.open(database_url) as store, store.transaction() as tx:
        mentions.add_or_update(
            tx, source="news", source_type="feed",
            item=Item("e1", "entry", "A teacher groomed a pupil, police say."),
            sentiment=None, labels=[], now=datetime.now(UTC), baseline=False,
        )  # fmt: skip
    assert run(path, "rescore").output.endswith("1 new alerts\n")
    [alert] = json.loads(run(path, "alerts", "--format", "json").output)
    assert alert["rule"] == "safeguarding" and alert["severity"] == "urgent"
    with Store.open(database_url) as store, store.transaction(read_only=True) as tx:
        assert outbox.mailed_alert_ids(tx, [alert["id"]]) == {alert["id"]}


VANDALISM = RevisionFacts(
    editor=EditorKind.TEMPORARY,
    size_delta=-4300,
    bytes_removed=4300,
    removed_share=0.7,
    blanking=False,
    replaced=False,
    offensive_words=(),
    is_revert=False,
    reverted=False,
    revert_risk=None,
)


def store_revision(database_url: str, facts: RevisionFacts) -> int:
    """A watched page's revision stored an hour ago with `facts`, as a scan stores it."""
    item = Item(
        "1255000001", "revision", "The school closed in 2026.",
        title="Calcot Junior School", facts=facts,
    )  # fmt: skip
    with Store.open(database_url) as store, store.transaction() as tx:
        written = mentions.add_or_update(
            tx, source="wiki", source_type="wikipedia", item=item, sentiment=None, labels=[],
            now=datetime.now(UTC) - timedelta(hours=1), baseline=False,
        )  # fmt: skip
    return written.mention_id


def test_rescore_fires_the_vandalism_rule_from_stored_facts(
    config_path: Path, database_url: str
) -> None:
    store_revision(database_url, VANDALISM)
    assert run(config_path, "rescore").output.endswith("1 new alerts\n")
    [alert] = json.loads(run(config_path, "alerts", "--format", "json").output)
    assert (alert["rule"], alert["severity"]) == ("wikipedia_vandalism", "urgent")
    assert alert["summary"] == (
        "possible vandalism by a temporary account: removed 4300 bytes (70% of the page)"
    )


def test_rescore_of_a_mention_with_broken_facts_fails_clearly(
    config_path: Path, database_url: str
) -> None:
    mention_id = store_revision(database_url, VANDALISM)
    with Store.open(database_url) as store, store.transaction() as tx:
        # A field renamed since the row was stored: the rule must not read it as "no removal".
        row = tx.connection.execute(sa.select(schema.mention.c.extra)).scalar_one()
        facts = {**row["facts"], "removed": row["facts"]["bytes_removed"]}
        del facts["bytes_removed"]
        tx.connection.execute(sa.update(schema.mention).values(extra={**row, "facts": facts}))
    result = CliRunner().invoke(main, ["--config", str(config_path), "rescore"])
    assert result.exit_code == 1
    assert f"monitor: database: mention {mention_id}: stored RevisionFacts are not valid" in (
        result.output
    )
    assert "bytes_removed: Field required" in result.output
    assert "removed: Unexpected keyword argument" in result.output
