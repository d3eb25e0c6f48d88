"""Listing, alert and status commands load config and storage only: no adapter's fetching code.

Each command runs as a person runs it (`python -m monitor`, a real config naming every built-in
source type, a real SQLite file) in a subprocess that lists `sys.modules` as it exits. What a
read-only command must not import: the scan, the parsers and HTTP client behind the adapters,
mail, migrations and the daemon's scheduler.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.model import AlertDraft, Item, Severity
from sources import BUILTIN_ADAPTERS
from storage import alerts, mentions
from storage.alerts import NewAlert
from storage.database import Store
from tests.configs import ONE_SOURCE_OF_EACH_TYPE, write_config

# Third-party libraries only fetching, scoring, mailing, migrating or scheduling need.
HEAVY_LIBRARIES = {
    "alembic",
    "apscheduler",
    "bs4",
    "feedparser",
    "httpx",
    "mwparserfromhell",
    "uvicorn",
    "vaderSentiment",
}
# Modules of the scan, mail and fetching (an adapter package itself holds only its config), and
# the dialect of a database not in use.
NOT_NEEDED = re.compile(
    r"monitor\.(scan|mail|service\.daemon)(\..*)?"
    r"|monitor\.judgement\.(sentiment|rules)(\..*)?"
    r"|sources\.(http|common\.(feeds|text|oauth))(\..*)?"
    r"|sources\.[a-z_]+\.(api|parse|items|poll|site|threads|discovery|wikitext|text|webhook)"
    # The database is SQLite: PostgreSQL's dialect (and its drivers' modules) is not needed.
    r"|sqlalchemy\.dialects\.postgresql(\..*)?"
)

COMMANDS = [
    ["mentions", "--limit", "50"],
    ["mentions", "--format", "json"],
    ["alerts"],
    ["alerts", "show", "1"],
    ["incidents"],
    ["status"],
    ["sources"],
    ["purge", "--dry-run"],
]


@pytest.fixture(scope="module")
def config_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config naming every built-in source type, and a database holding a mention and alert."""
    directory = tmp_path_factory.mktemp("imports")
    url = f"sqlite:///{directory / 'monitor.db'}"
    assert {table["type"] for table in ONE_SOURCE_OF_EACH_TYPE.values()} == set(BUILTIN_ADAPTERS)
    email = '[email]\nsmtp_host = "localhost"\nfrom = "monitor@localhost"\nto = ["slt@localhost"]'
    path = write_config(directory, storage_url=url, sources=ONE_SOURCE_OF_EACH_TYPE, extra=email)
    item = Item(external_id="e1", item_type="entry", text="Calcot Infant School's nativity play")
    now = datetime.now(UTC)
    with Store.open(url) as store, store.transaction() as tx:
        written = mentions.add_or_update(
            tx, source="news", source_type="feed", item=item, sentiment=None, labels=[],
            now=now, baseline=False,
        )  # fmt: skip
        draft = AlertDraft("negative", Severity.NORMAL, "negative (compound -0.70)", "n:news:e1")
        alerts.add_many(tx, [NewAlert(draft, written.mention_id)], now)
    return path


# `python -m monitor ARGUMENTS`, then the names of every module loaded, into $MODULES_FILE.
PROBE = """
import atexit, os, runpy, sys
def dump():
    with open(os.environ["MODULES_FILE"], "w") as out:
        out.write("\\n".join(sorted(sys.modules)))
atexit.register(dump)
runpy.run_module("monitor", run_name="__main__", alter_sys=True)
"""


def imported_modules(
    config_path: Path, arguments: list[str], environment: dict[str, str] | None = None
) -> set[str]:
    """The modules `python -m monitor --config CONFIG ARGUMENTS` has loaded when it exits."""
    listing = config_path.parent / "modules.txt"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "--config", str(config_path), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "KEY": "not-a-real-secret",
            "MODULES_FILE": str(listing),
            **(environment or {}),
        },
    )
    assert done.returncode == 0, done.stderr
    return set(listing.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("arguments", COMMANDS, ids=" ".join)
def test_read_only_commands_import_no_fetching_code(
    config_path: Path, arguments: list[str]
) -> None:
    """A command that reads the database imports config and storage, not the sources' code."""
    modules = imported_modules(config_path, arguments)
    libraries = {module.split(".")[0] for module in modules} & HEAVY_LIBRARIES
    ours = {module for module in modules if NOT_NEEDED.fullmatch(module)}
    assert sorted(libraries | ours) == []


@pytest.mark.parametrize(
    "arguments",
    [["mentions", "--limit", "50"], ["mentions", "--source", "news", "--format", "json"]],
    ids=" ".join,
)
def test_the_listing_loads_no_adapter_and_no_sqlalchemy(
    config_path: Path, arguments: list[str]
) -> None:
    """`monitor mentions` reads the config without the sources' own settings (no adapter is
    imported) and a SQLite file at the code's schema with sqlite3 alone."""
    modules = imported_modules(config_path, arguments)
    assert "storage.sqlite_reader" in modules
    loaded = {module.split(".")[0] for module in modules}
    adapters = {f"sources.{name}" for name in BUILTIN_ADAPTERS} & modules
    assert sorted(adapters) == [] and "sqlalchemy" not in loaded


def test_a_listing_validates_a_config_once_then_loads_no_validation_library(
    config_path: Path, tmp_path: Path
) -> None:
    """The first listing of a config validates it (pydantic); later ones of the same bytes read
    what it found from the cache (monitor.config.reading) and load no pydantic at all."""
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = imported_modules(config_path, ["mentions"], cache)
    assert {"monitor.config.settings", "pydantic"} <= first
    later = imported_modules(config_path, ["mentions"], cache)
    assert {"storage.mention_reading", "monitor.config.reading"} <= later
    assert sorted(m for m in later if m.startswith(("pydantic", "monitor.config.settings"))) == []


def test_the_listing_holds_what_a_command_loads(config_path: Path) -> None:
    """The checks above can fail: adapters' packages, storage, SQLAlchemy and the scan are seen."""
    modules = imported_modules(config_path, ["mentions"])
    assert {"storage.mention_reading", "monitor.cli.views", "monitor.config.reading"} <= modules
    status = imported_modules(config_path, ["status"])
    assert {"sources.feed", "sources.mumsnet", "sqlalchemy", "storage.database"} <= status
    assert "monitor.scan.scanner" in imported_modules(config_path, ["scan", "--help"])
