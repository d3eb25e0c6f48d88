"""Files that hold parents' names and posts are the owner's alone (0600), whatever the umask.

The commands run as the operator would run them: a real `monitor` process under `umask 022`.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from monitor.private_files import create_private, write_private
from storage.database import Store
from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply

ROOT = Path(__file__).resolve().parents[1]


def mode_of(path: Path) -> str:
    """The permission bits of `path` as four octal digits."""
    return f"{stat.S_IMODE(path.stat().st_mode):04o}"


def monitor_under_umask_022(config: Path, *args: str) -> subprocess.Popen[str]:
    """`monitor --config CONFIG ARGS` started by a shell whose umask is 022."""
    command = 'umask 022 && exec "$0" -m monitor "$@"'
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        ["sh", "-c", command, sys.executable, "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=config.parent,
    )


def test_scan_creates_the_database_and_its_wal_and_shm_for_the_owner_only(
    tmp_path: Path, server: LoopbackServer
) -> None:
    arrived, release = threading.Event(), threading.Event()
    server.on_request = lambda request: arrived.set()
    server.route("/news.rss", Reply.fixture("feed/rss2.xml", "application/rss+xml", hold=release))
    database = tmp_path / "data" / "monitor.db"
    config = write_config(
        tmp_path,
        storage_url=f"sqlite:///{database}",
        sources={"news": {"type": "feed", "url": f"{server.url}/news.rss"}},
    )

    scan = monitor_under_umask_022(config, "scan")
    try:
        # The scan has claimed its source and is fetching: the database is open, in WAL mode.
        assert arrived.wait(120), scan.stderr.read() if scan.stderr else ""
        modes = {
            name: mode_of(database.with_name(name))
            for name in ("monitor.db", "monitor.db-wal", "monitor.db-shm")
        }
    finally:
        release.set()
        out, err = scan.communicate(timeout=120)
    assert scan.returncode == 0, out + err
    assert modes == {"monitor.db": "0600", "monitor.db-wal": "0600", "monitor.db-shm": "0600"}
    assert mode_of(database.parent) == "0700"  # a folder the scan made for it


def test_digest_preview_is_written_for_the_owner_only(tmp_path: Path) -> None:
    config = write_config(tmp_path, storage_url=f"sqlite:///{tmp_path / 'monitor.db'}", sources={})
    fresh, old = tmp_path / "preview.html", tmp_path / "old-preview.html"
    old.write_text("an earlier preview")
    old.chmod(0o644)
    for target in (fresh, old):
        preview = monitor_under_umask_022(config, "digest", "--preview", str(target))
        out, err = preview.communicate(timeout=120)
        assert preview.returncode == 0, out + err
        assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        assert mode_of(target) == "0600", target.name
    assert mode_of(tmp_path / "monitor.db") == "0600"


def test_create_private_leaves_an_existing_file_alone(tmp_path: Path) -> None:
    existing = tmp_path / "kept"
    existing.write_text("data")
    existing.chmod(0o640)
    assert create_private(existing) is False
    assert existing.read_text() == "data" and mode_of(existing) == "0640"
    assert create_private(tmp_path / "new") is True
    assert mode_of(tmp_path / "new") == "0600" and (tmp_path / "new").read_bytes() == b""


def test_write_private_under_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        write_private(tmp_path / "out.html", "<p>x</p>")
    finally:
        os.umask(previous)
    assert mode_of(tmp_path / "out.html") == "0600"
    assert (tmp_path / "out.html").read_text(encoding="utf-8") == "<p>x</p>"


def test_a_database_left_open_to_everyone_by_an_older_version_is_named_in_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "monitor.db"
    sqlite3.connect(database).close()
    database.chmod(0o644)
    with Store.open(f"sqlite:///{database}"):
        pass
    assert f"the database {database} is open to every user of this machine" in caplog.text
    assert mode_of(database) == "0644"  # the operator's file: changed by them, not behind them
