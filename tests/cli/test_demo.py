"""`monitor demo`: runs offline against its own recorded responses, and shows what it found."""

from __future__ import annotations

import json
import re
import sqlite3
import stat
import tomllib
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from monitor.config.settings import load
from monitor.demo.server import DATA, demo_secrets, load_routes, source_folders
from sources.base import adapters

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
# Types whose golden fixtures share a folder with another type's.
FIXTURE_FOLDERS = {
    "google_business": "google",
    "google_places": "google",
    "facebook_page": "facebook",
}
DEMO_FILES = {"routes.toml", "source.toml", "secrets.toml"}


def urls_in(value: object) -> list[str]:
    """Every URL in a config value (lists included)."""
    if isinstance(value, list):
        return [url for item in value for url in urls_in(item)]
    return [value] if isinstance(value, str) and "://" in value else []


def test_demo_scans_every_recorded_source_and_writes_the_digest(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--output", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Today's scan" in result.output and "monitor status" in result.output
    config = load(tmp_path / "config.toml")
    types = {folder.name for folder in source_folders()}
    assert {source.type for source in config.sources.values()} == types == set(adapters())
    for source in config.sources.values():
        urls = [url for value in source.model_dump(mode="json").values() for url in urls_in(value)]
        assert urls and all(url.startswith("http://127.0.0.1:") for url in urls), urls
    # Every request the client sent reached the demo server: none went anywhere else.
    answered = re.search(
        r"(\d+) requests answered by the demo server on 127\.0\.0\.1 \(of (\d+)", result.output
    )
    assert answered and answered[1] == answered[2] and int(answered[1]) > 0, result.output
    with sqlite3.connect(tmp_path / "monitor.db") as connection:
        per_type = dict(
            connection.execute(
                "SELECT source_type, count(*) FROM mention WHERE baseline = 1 GROUP BY 1"
            )
        )
        # New today: first stored by the second scan (edits of yesterday's are version 2).
        new_per_type = dict(
            connection.execute(
                "SELECT source_type, count(*) FROM mention"
                " WHERE baseline = 0 AND version = 1 GROUP BY 1"
            )
        )
        edited = connection.execute("SELECT count(*) FROM mention WHERE version > 1").fetchone()[0]
        replies = connection.execute(
            "SELECT alert_event.actor, alert_event.note, mention.source_type, mention.extra"
            " FROM alert_event JOIN alert ON alert.id = alert_event.alert_id"
            " JOIN mention ON mention.id = alert.mention_id"
            " WHERE alert_event.action = 'replied_publicly'"
        ).fetchall()
    assert set(per_type) == types - {"feed"}  # the feeds were empty yesterday
    assert set(new_per_type) == types - {"google_business", "google_places"}
    assert edited > 0  # a Google review and a Facebook comment were edited today
    # The school answered the 1-star review where it was posted, with the policy's draft: the
    # demo server took the PUT, the incident log has the words, the review its reply at once.
    [(actor, note, source_type, extra)] = replies
    assert (actor, source_type) == ("demo", "google_business")
    assert json.loads(extra)["reply"]["comment"] == note and "school office" in note
    assert f'"{note}"' in result.output and "recorded replied_publicly by demo" in result.output
    new_today = sum(new_per_type.values())
    digest = (tmp_path / "digest.html").read_text(encoding="utf-8")
    # The real digest of today: today's mentions listed; every source shows in it.
    assert f"{new_today} new mentions" in digest
    for name in config.sources:
        assert re.search(rf"<strong[^>]*>{name}</strong>", digest), name
    # Two schools: each mention where it belongs, and the trust digest has a section for each.
    assert list(config.school_tables) == ["infants", "juniors"]
    counted = re.search(r"by school: infants (\d+), juniors (\d+), about no", result.output)
    assert counted and int(counted[1]) > 0 and int(counted[2]) > 0, result.output
    assert ">Calcot Infant School <span" in digest and ">Calcot Junior School <span" in digest
    # Yesterday's ratings against today's: two ratings Google counts but does not show.
    assert "down 0.1 from 4.1 (27 ratings)" in digest
    assert "2 new ratings not shown by Google" in digest
    # Hostile text is escaped: the fixture title's apostrophe and the feed's <b> markup.
    assert "Calcot Junior School&#39;s gates" in digest
    assert "<b>" not in digest
    # The keys are files only their owner may read, and (fake as they are) never repeated.
    stored = (tmp_path / "monitor.db").read_bytes()
    for name, value in demo_secrets().items():
        assert stat.S_IMODE((tmp_path / "secrets" / name).stat().st_mode) == 0o600
        assert value not in result.output and value not in digest
        assert value.encode() not in stored


def test_each_demo_type_is_a_folder_of_real_shaped_responses() -> None:
    known = adapters()
    for folder in source_folders():
        assert folder.name in known
        assert folder.joinpath("routes.toml").is_file()
        assert folder.joinpath("source.toml").is_file()
        fixtures = FIXTURES / FIXTURE_FOLDERS.get(folder.name, folder.name)
        for recorded in folder.iterdir():
            if recorded.name not in DEMO_FILES:
                # Kept byte for byte as the test fixtures, which follow the services' shapes.
                fixture = fixtures / recorded.name
                assert fixture.read_bytes() == recorded.read_bytes(), recorded.name
        served = {route.body for route in load_routes(folder)}
        recorded_files = [f for f in folder.iterdir() if f.name not in DEMO_FILES]
        assert all(f.read_bytes() in served for f in recorded_files)  # no file left unused
        table = tomllib.loads(folder.joinpath("routes.toml").read_text("utf-8"))
        methods = ("GET", "POST", "PUT", "DELETE")
        assert all(route.get("method", "GET") in methods for route in table["route"])
    assert DATA.joinpath("feed").is_dir()
