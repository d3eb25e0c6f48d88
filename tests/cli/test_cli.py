"""The `monitor` command: exit codes, firm JSON shapes, and the README documenting it all."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from monitor.cli import COMMANDS, main
from monitor.cli.views import MENTION_FIELDS
from sources.base import adapters
from storage import source_state
from storage.database import Store
from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply

ROOT = Path(__file__).resolve().parents[2]
STATUS_FIELDS = {
    "name",
    "type",
    "enabled",
    "health",
    "last_success_at",
    "last_error",
    "consecutive_failures",
    "mention_count",
}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def config_path(server: LoopbackServer, tmp_path: Path) -> Path:
    server.route("/alerts.xml", Reply.fixture("feed/google_alerts.xml", "application/atom+xml"))
    server.route("/news.rss", Reply.fixture("feed/rss2.xml", "application/rss+xml"))
    server.route("/down", Reply(status=500))
    return write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={
            "alerts": {"type": "feed", "url": f"{server.url}/alerts.xml"},
            "news": {"type": "feed", "url": f"{server.url}/news.rss"},
            "broken": {"type": "feed", "url": f"{server.url}/down", "enabled": False},
        },
    )


def test_scan_then_mentions_in_every_format(config_path: Path) -> None:
    scanned = run("--config", str(config_path), "scan")
    assert scanned.exit_code == 0, scanned.output
    lines = scanned.output.splitlines()
    assert lines[0].split("\t")[:5] == ["source", "type", "status", "fetched", "new"]
    assert lines[1].split("\t")[:5] == ["alerts", "feed", "ok (baseline)", "3", "3"]

    as_json = json.loads(run("--config", str(config_path), "mentions", "--format", "json").output)
    assert len(as_json) == 6
    assert all(list(record) == list(MENTION_FIELDS) for record in as_json)
    protest = next(record for record in as_json if "protest" in record["title"])
    assert protest["type"] == "feed" and protest["item_type"] == "entry"
    assert protest["published_at"] == "2026-11-20T14:26:15Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", protest["first_seen_at"])
    assert -1 <= protest["sentiment"] < 0

    as_csv = list(
        csv.DictReader(
            io.StringIO(run("--config", str(config_path), "mentions", "--format", "csv").output)
        )
    )
    assert len(as_csv) == 6 and list(as_csv[0]) == list(MENTION_FIELDS)

    table = run("--config", str(config_path), "mentions", "--source", "news", "--limit", "2")
    assert table.exit_code == 0 and len(table.output.splitlines()) == 3


def test_mentions_filters(config_path: Path) -> None:
    run("--config", str(config_path), "scan")
    negative = json.loads(
        run(
            "--config", str(config_path), "mentions", "--label", "negative", "--format", "json"
        ).output
    )
    assert negative and all("negative" in record["labels"] for record in negative)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    later = run("--config", str(config_path), "mentions", "--since", tomorrow, "--format", "json")
    assert json.loads(later.output) == []
    bad = run("--config", str(config_path), "mentions", "--since", "last tuesday")
    assert bad.exit_code == 2


def test_status_json_has_one_object_per_configured_source(config_path: Path) -> None:
    before = json.loads(run("--config", str(config_path), "status", "--format", "json").output)
    assert [entry["health"] for entry in before] == ["unknown"] * 3
    run("--config", str(config_path), "scan", "--source", "broken", "--source", "alerts")
    after = json.loads(run("--config", str(config_path), "status", "--format", "json").output)
    assert all(STATUS_FIELDS <= set(entry) for entry in after)
    by_name = {entry["name"]: entry for entry in after}
    assert by_name["alerts"]["health"] == "ok" and by_name["alerts"]["mention_count"] == 3
    assert by_name["broken"]["health"] == "failing"
    assert by_name["broken"]["enabled"] is False
    assert by_name["broken"]["consecutive_failures"] == 1
    assert "HTTP 500" in by_name["broken"]["last_error"]
    assert by_name["news"]["last_success_at"] is None


def test_a_failing_source_exits_1(config_path: Path) -> None:
    result = run("--config", str(config_path), "scan", "--source", "broken")
    assert result.exit_code == 1
    assert "failed" in result.output and "HTTP 500" in result.output


def test_a_password_sent_in_clear_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLI_TEST_SMTP_PASSWORD", "pw-in-the-clear-2231")
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={},
        extra='[email]\nsmtp_host = "smtp.example.org"\nsecurity = "none"\n'
        'username = "monitor@calcot.example"\npassword_env = "CLI_TEST_SMTP_PASSWORD"\n'
        'from = "monitor@calcot.example"\nto = ["slt@calcot.example"]\n',
    )
    result = CliRunner().invoke(main, ["--config", str(path), "check"])
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert "at 'email.security':" in line and "pw-in-the-clear-2231" not in line


def test_unknown_source_name_is_a_usage_error(config_path: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(config_path), "scan", "--source", "nope"])
    assert result.exit_code == 2
    assert "no source named nope" in result.output


def test_a_source_leased_by_another_scan_exits_3(config_path: Path) -> None:
    store = Store.open(f"sqlite:///{config_path.parent / 'monitor.db'}")
    now = datetime.now(UTC)
    with store.transaction() as tx:
        source_state.ensure(tx, "alerts", "feed")
        assert source_state.acquire_lease(
            tx, "alerts", "otherhost:4242:abcd", now + timedelta(minutes=5), now
        )
    store.close()
    result = CliRunner().invoke(main, ["--config", str(config_path), "scan", "--source", "alerts"])
    assert result.exit_code == 3
    assert "another scan is polling alerts" in result.output


def test_config_problem_is_one_line_naming_the_key_and_exit_2(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        storage_url="sqlite:///x.db",
        sources={"news": {"type": "feed", "url": "https://a.example/f", "colour": "red"}},
    )
    result = CliRunner().invoke(main, ["--config", str(path), "status"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "config.toml: at 'sources.news.colour': unknown key"
    ]


def test_check_and_check_online(config_path: Path) -> None:
    offline = run("--config", str(config_path), "check")
    assert offline.exit_code == 0
    assert "config:" in offline.output and "database:" in offline.output
    online = run("--config", str(config_path), "check", "--online")
    assert online.exit_code == 0
    assert "source alerts (feed): ok" in online.output
    # check --online stores nothing
    listed = run("--config", str(config_path), "mentions", "--format", "json")
    assert json.loads(listed.output) == []


def test_db_upgrade_reports_the_revision(config_path: Path) -> None:
    result = run("--config", str(config_path), "db", "upgrade")
    assert result.exit_code == 0
    assert re.fullmatch(r"database at revision \S+\n", result.output)


def test_sources_lists_every_type_with_its_keys() -> None:
    output = run("sources").output
    for name, adapter in adapters().items():
        assert f"{name}: " in output
        for key in adapter.config_model.model_fields:
            if key != "type":
                assert f"    {key}" in output


def test_readme_documents_every_command_source_type_and_key() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in COMMANDS:  # main.commands is empty: the group loads commands lazily
        assert f"monitor {command}" in readme, command
    for name, adapter in adapters().items():
        assert f'type = "{name}"' in readme, name
        for key in adapter.config_model.model_fields:
            assert f"`{key}`" in readme or f"`{key.rsplit('_', 1)[0]}_env`" in readme, (name, key)
    shipped = (ROOT / "config.toml").read_text(encoding="utf-8")
    for section in ("[school]", "[storage]", "[http]", "[email]", "[alerts]", "[web]"):
        assert section in shipped and f"`{section}`" in readme


SECRET_IN_ENV = "not-to-be-printed-4711"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            '[sources.news]\ntype = "feed"\nmatch_aliases = true\n',
            "at 'sources.news': give exactly one of url, url_env, url_file, url_credential",
        ),
        (
            '[sources.news]\ntype = "feed"\nurl = "https://a.example/f"\nmatch_aliases = "often"\n',
            "at 'sources.news.match_aliases': ",
        ),
        (
            '[sources.news]\ntype = "feed"\nurl = "https://a.example/f"\ncolour = "red"\n',
            "at 'sources.news.colour': unknown key",
        ),
        (
            '[sources.news]\ntype = "carrier_pigeon"\n',
            "at 'sources.news.type': unknown source type",
        ),
        ('[sources.news]\ntype = "feed"\nurl_file = "SECRET_FILE"\n', "chmod 600"),
        (
            '[sources.news]\ntype = "feed"\nurl_env = "MONITOR_TEST_UNSET_VARIABLE"\n',
            "at 'sources.news.url_env': environment variable MONITOR_TEST_UNSET_VARIABLE is not "
            "set",
        ),
    ],
    ids=[
        "missing-key",
        "wrong-type",
        "unknown-key",
        "unknown-type",
        "loose-secret-file",
        "unset-env",
    ],
)
def test_each_config_problem_is_one_message_and_exit_2(
    table: str, expected: str, tmp_path: Path
) -> None:
    secret_file = tmp_path / "alert-url"
    secret_file.write_text(f"https://www.google.com/alerts/feeds/{SECRET_IN_ENV}")
    secret_file.chmod(0o644)
    path = tmp_path / "config.toml"
    path.write_text(
        '[school]\nname = "Calcot Schools"\n' + table.replace("SECRET_FILE", str(secret_file))
    )
    result = CliRunner().invoke(main, ["--config", str(path), "scan"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("config.toml: at 'sources.news")
    assert expected in lines[0]
    assert SECRET_IN_ENV not in result.output


def test_status_says_until_when_a_service_asked_us_to_wait(
    server: LoopbackServer, tmp_path: Path
) -> None:
    server.route("/limited", Reply(status=429, headers={"Retry-After": "7200"}))
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"limited": {"type": "feed", "url": f"{server.url}/limited"}},
    )
    before = datetime.now(UTC) + timedelta(hours=2)
    assert run("--config", str(path), "scan").exit_code == 0  # a rate limit is not a failure
    after = datetime.now(UTC) + timedelta(hours=2)
    header, line = run("--config", str(path), "status").output.splitlines()[:2]
    row = dict(zip(header.split("\t"), line.split("\t"), strict=True))
    assert row["source"] == "limited"
    note = row["last error"]
    shown = {moment.strftime("%Y-%m-%d %H:%M") for moment in (before, after)}
    assert any(
        note.startswith(f"not polled until {when} (asked by the service); ") for when in shown
    )
    assert "127.0.0.1/limited: HTTP 429 Too Many Requests" in note


def test_the_lazy_command_list_matches_the_commands() -> None:
    """`monitor --help` lists COMMANDS without importing them: each summary must be true."""
    import click

    context = click.Context(main)
    for name, (_, _, summary) in COMMANDS.items():
        command = main.get_command(context, name)
        assert command is not None and command.name == name
        assert (command.help or "").strip().splitlines()[0] == summary, name


def test_version_and_help_import_no_heavy_library() -> None:
    """`monitor --version` and `--help` stay fast: no database, HTTP or parsing library loaded."""
    import subprocess
    import sys

    probe = (
        "import sys; from monitor.cli import main\n"
        "try:\n    main(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "heavy = {'sqlalchemy', 'httpx', 'feedparser', 'bs4', 'vaderSentiment', 'pydantic'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_verbose_logs_each_request_without_its_query(
    server: LoopbackServer, tmp_path: Path
) -> None:
    """`-v` shows method, host and path, status, bytes and time; never the query string."""
    import subprocess
    import sys

    body = (ROOT / "tests" / "fixtures" / "feed" / "atom.xml").read_bytes()
    server.route("/feed", Reply(body=body, headers={"Content-Type": "application/atom+xml"}))
    config = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"news": {"type": "feed", "url": f"{server.url}/feed?key=query-secret-42"}},
    )
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "-v", "--config", str(config), "scan"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"GET 127.0.0.1/feed 200 {len(body)} bytes" in done.stderr
    assert "query-secret-42" not in done.stderr + done.stdout


def test_mentions_refuses_unknown_sources_and_labels_naming_the_known_ones(
    config_path: Path,
) -> None:
    assert run("--config", str(config_path), "scan").exit_code == 0
    nosuch = CliRunner().invoke(
        main, ["--config", str(config_path), "mentions", "--source", "nosuch"]
    )
    assert nosuch.exit_code == 2
    assert "no source named 'nosuch'; known: alerts, broken, news" in nosuch.output
    bad = CliRunner().invoke(main, ["--config", str(config_path), "mentions", "--label", "angry"])
    assert bad.exit_code == 2
    assert "no label 'angry'; known: negative, neutral, positive" in bad.output
    # Labels are read in any case.
    mixed = run("--config", str(config_path), "mentions", "--label", "Negative", "--format", "json")
    lower = run("--config", str(config_path), "mentions", "--label", "negative", "--format", "json")
    assert mixed.exit_code == 0 and mixed.output == lower.output


def test_tables_show_the_schools_timezone_and_an_empty_result_says_so(config_path: Path) -> None:
    empty = CliRunner().invoke(main, ["--config", str(config_path), "mentions"])
    assert empty.exit_code == 0 and "no mentions match" in empty.output
    assert run("--config", str(config_path), "scan").exit_code == 0
    table = run("--config", str(config_path), "mentions").output.splitlines()
    assert table[0].split("\t")[0] == "published (Europe/London)"
    as_json = json.loads(run("--config", str(config_path), "mentions", "--format", "json").output)
    # JSON stays UTC; the table shows the same moment in London.
    first = as_json[0]["published_at"] or as_json[0]["first_seen_at"]
    moment = datetime.fromisoformat(first.replace("Z", "+00:00"))
    assert first.endswith("Z")
    assert table[1].split("\t")[0] == moment.astimezone(ZoneInfo("Europe/London")).strftime(
        "%Y-%m-%d %H:%M"
    )


def test_listing_reads_past_a_sources_broken_setting_that_check_reports(tmp_path: Path) -> None:
    """A source's own setting (a bad URL, a secret file gone) does not stop `mentions`; `check`
    and `scan` refuse the config and name the key; a core section still stops both."""
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={
            "news": {"type": "feed", "url": "not a url"},
            "page": {
                "type": "facebook_page",
                "page_id": "1",
                "access_token_file": "/nonexistent",
            },
        },
    )
    listing = CliRunner().invoke(main, ["--config", str(path), "mentions"])
    assert listing.exit_code == 0 and "no mentions match" in listing.output
    unknown = CliRunner().invoke(main, ["--config", str(path), "mentions", "--source", "nope"])
    assert "no source named 'nope'; known: news, page" in unknown.output
    for command in ("check", "scan"):
        refused = CliRunner().invoke(main, ["--config", str(path), command])
        assert refused.exit_code == 2
        assert "at 'sources.news.url'" in refused.output
        assert "at 'sources.page.access_token_file'" in refused.output
    path.write_text(path.read_text().replace('timeout = "5s"', 'timeout = "soon"'))
    broken = CliRunner().invoke(main, ["--config", str(path), "mentions"])
    assert broken.exit_code == 2 and "at 'http.timeout'" in broken.output
