"""`monitor demo`: runs offline against its own recorded responses, and shows what it found."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from monitor.config import load
from monitor.demo.server import DATA, source_folders
from sources.base import adapters

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def test_demo_scans_every_recorded_source_and_writes_the_digest(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--output", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Today's scan" in result.output and "monitor status" in result.output
    config = load(tmp_path / "config.toml")
    types = {folder.name for folder in source_folders()}
    assert {source.type for source in config.sources.values()} == types
    for source in config.sources.values():
        urls = [value for value in source.model_dump(mode="json").values() if "://" in str(value)]
        assert urls and all(url.startswith("http://127.0.0.1:") for url in urls), urls
    with sqlite3.connect(tmp_path / "monitor.db") as connection:
        per_source = dict(connection.execute("SELECT source, count(*) FROM mention GROUP BY 1"))
        new_today = connection.execute(
            "SELECT count(*) FROM mention WHERE baseline = 0"
        ).fetchone()[0]
    assert set(per_source) == set(config.sources)
    assert new_today > 0  # the second scan found something new after the baseline
    digest = (tmp_path / "digest.html").read_text(encoding="utf-8")
    # The real digest: today's mentions listed, the baseline counted as history.
    assert f"{new_today} new mentions" in digest
    assert f"{sum(per_source.values()) - new_today} older items as history" in digest
    # Hostile text is escaped: the fixture title's apostrophe and the feed's <b> markup.
    assert "Calcot Junior School&#39;s gates" in digest
    assert "<b>" not in digest


def test_each_demo_type_is_a_folder_of_real_shaped_responses() -> None:
    known = adapters()
    for folder in source_folders():
        assert folder.name in known
        assert folder.joinpath("routes.toml").is_file()
        assert folder.joinpath("source.toml").is_file()
        for recorded in folder.iterdir():
            fixture = FIXTURES / folder.name / recorded.name
            if recorded.name.endswith((".json", ".xml", ".html")):
                # Kept byte for byte as the test fixtures, which follow the services' shapes.
                assert fixture.read_bytes() == recorded.read_bytes(), recorded.name
    assert DATA.joinpath("feed").is_dir()
