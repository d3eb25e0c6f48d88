"""`monitor status` tells the truth about each source: health, next poll, remedy, last error."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from monitor.config.settings import load
from monitor.service.status import source_statuses
from storage.database import Store
from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply


def test_status_shows_health_next_poll_and_remedy(server: LoopbackServer, tmp_path: Path) -> None:
    server.route("/alerts.xml", Reply.fixture("feed/google_alerts.xml", "application/atom+xml"))
    server.route("/private.xml", Reply(status=401, body=b"login required"))
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={
            "alerts": {"type": "feed", "url": f"{server.url}/alerts.xml", "interval": "1h"},
            "private": {"type": "feed", "url": f"{server.url}/private.xml"},
        },
    )
    runner = CliRunner()
    started = datetime.now(UTC)
    assert runner.invoke(main, ["--config", str(path), "scan"]).exit_code == 1
    output = runner.invoke(main, ["--config", str(path), "status", "--format", "json"]).output
    by_name = {entry["name"]: entry for entry in json.loads(output)}
    assert by_name["private"]["health"] == "auth_expired"
    # The feed adapter's own remedy, not a generic one.
    assert by_name["private"]["remedy"].startswith("the feed refuses us (401/403)")
    assert "docs/sources/feed.md" in by_name["private"]["remedy"]
    assert by_name["alerts"]["remedy"] == ""
    next_poll = datetime.fromisoformat(by_name["alerts"]["next_poll_at"])
    # An hour after the poll, give or take the scan's jitter (two minutes at most).
    jitter = timedelta(minutes=2)
    assert started + timedelta(hours=1) - jitter <= next_poll
    assert next_poll <= datetime.now(UTC) + timedelta(hours=1) + jitter

    table = runner.invoke(main, ["--config", str(path), "status"]).output.splitlines()
    header = table[0].split("\t")
    assert header[5:11] == [
        "next poll",
        "failures",
        "mentions",
        "skipped",
        "remedy",
        "last error",
    ]
    private = dict(zip(header, table[2].split("\t"), strict=True))
    assert private["remedy"].startswith("the feed refuses") and "401" in private["last error"]
    assert private["skipped"] == "0"

    # Three hours with no success: shown as stale, with what to check.
    config = load(path)
    with Store.open(config.storage.url) as store:
        later = source_statuses(
            config, store, now=datetime.now(UTC) + timedelta(hours=3, minutes=1)
        )
    alerts = next(entry for entry in later if entry.name == "alerts")
    assert alerts.health == "stale"
    assert "is the service running" in alerts.remedy


def test_status_shows_which_worker_holds_what_and_each_sources_lag(
    server: LoopbackServer, tmp_path: Path
) -> None:
    from storage import schedule, source_state, workers
    from storage.schedule import Planned

    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={
            name: {"type": "feed", "url": f"{server.url}/{name}.xml", "interval": "1h"}
            for name in ("held", "done")
        },
    )
    now = datetime.now(UTC)
    planned = [
        Planned(name, "feed", timedelta(hours=1), scheduled=True) for name in ("held", "done")
    ]
    with Store.open(f"sqlite:///{tmp_path / 'monitor.db'}") as store, store.transaction() as tx:
        schedule.sync(tx, planned, now)
        claimed = schedule.claim_due(tx, "box:41:ab12", now, now + timedelta(minutes=1), 2)
        assert {row.name for row in claimed} == {"held", "done"}
        done = source_state.IdleSuccess("done", {}, None, None, now + timedelta(hours=1), lag=2.5)
        source_state.record_idle_successes(tx, [done], now=now, owner="box:41:ab12")
        workers.beat(tx, "box:41:ab12", "box", 41, now, now, 1)
    runner = CliRunner()
    output = runner.invoke(main, ["--config", str(path), "status", "--format", "json"]).output
    by_name = {entry["name"]: entry for entry in json.loads(output)}
    assert by_name["held"]["held_by"] == "box:41:ab12"
    assert by_name["done"]["held_by"] is None and by_name["done"]["lag_seconds"] == 2.5
    table = runner.invoke(main, ["--config", str(path), "status"]).output.splitlines()
    header = table[0].split("\t")
    assert header[-2:] == ["held by", "lag"]
    done_row = dict(
        zip(
            header, next(line for line in table if line.startswith("done")).split("\t"), strict=True
        )
    )
    assert done_row["lag"] == "2.5s"
    workers_header = next(line for line in table if line.startswith("worker\t")).split("\t")
    worker_row = dict(zip(workers_header, table[-1].split("\t"), strict=True))
    assert worker_row["worker"] == "box:41:ab12" and worker_row["holding"] == "1"
