"""`monitor run` as a real process: systemd notifications, SIGTERM mid-fetch, a scan beside it."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply

ATOM = "application/atom+xml"
RSS = "application/rss+xml"
# The daemon's bound for in-flight work after SIGTERM (Timing.stop_within), and some slack.
STOP_BOUND = 20 + 10


def start_daemon(config: Path, **environment: str) -> subprocess.Popen[str]:
    # Only the socket a test gives: never the one of a service manager running the tests.
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")
    }
    env = {**inherited, **environment}
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    """SIGTERM, then the exit status and stderr (killed, and the test failed, past the bound)."""
    process.send_signal(signal.SIGTERM)
    try:
        _, stderr = process.communicate(timeout=STOP_BOUND)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        pytest.fail(f"monitor run did not stop within {STOP_BOUND}s after SIGTERM:\n{stderr}")
    return process.returncode, stderr


def wait_for(condition, what: str, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def count_rows(database: Path, sql: str) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute(sql).fetchone()[0])


@pytest.fixture
def feeds(server: LoopbackServer) -> LoopbackServer:
    server.route("/alerts.xml", Reply.fixture("feed/google_alerts.xml", ATOM))
    server.route("/news.rss", Reply.fixture("feed/rss2.xml", RSS))
    return server


def feed_config(tmp_path: Path, server: LoopbackServer, timeout: str = "5s") -> Path:
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={
            "alerts": {"type": "feed", "url": f"{server.url}/alerts.xml"},
            "news": {"type": "feed", "url": f"{server.url}/news.rss"},
        },
    )
    text = path.read_text().replace('timeout = "5s"', f'timeout = "{timeout}"')
    path.write_text(text)
    return path


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """A datagram socket standing in for systemd's, as a path."""
    path = tmp_path / "notify"
    if len(str(path)) > 100:
        pytest.skip(f"tmp_path too long for an AF_UNIX address: {path}")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(str(path))
    receiver.settimeout(60)
    yield receiver, str(path)
    receiver.close()


def receive_until(receiver: socket.socket, wanted: set[str]) -> list[str]:
    """Every notification until each of `wanted` has arrived."""
    seen: list[str] = []
    while not wanted <= set(seen):
        seen.extend(receiver.recv(4096).decode().splitlines())
    return seen


def test_ready_watchdog_and_stopping_reach_systemd(
    feeds: LoopbackServer, tmp_path: Path, notify_socket: tuple[socket.socket, str]
) -> None:
    receiver, address = notify_socket
    process = start_daemon(
        feed_config(tmp_path, feeds), NOTIFY_SOCKET=address, WATCHDOG_USEC="2000000"
    )
    try:
        seen = receive_until(receiver, {"READY=1", "WATCHDOG=1"})
    finally:
        status, stderr = stop(process)
    assert status == 0, stderr
    assert seen.index("READY=1") < seen.index("WATCHDOG=1")
    assert "STOPPING=1" in receive_until(receiver, {"STOPPING=1"})
    # Ready means migrated: the tables exist by then.
    assert count_rows(tmp_path / "monitor.db", "SELECT count(*) FROM source_state") == 2


def test_ready_reaches_an_abstract_socket(feeds: LoopbackServer, tmp_path: Path) -> None:
    name = f"reputation-monitor-test-{os.getpid()}-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
        receiver.bind("\0" + name)
        receiver.settimeout(60)
        process = start_daemon(
            feed_config(tmp_path, feeds), NOTIFY_SOCKET=f"@{name}", INVOCATION_ID="0" * 32
        )
        try:
            seen = receive_until(receiver, {"READY=1"})
            database = tmp_path / "monitor.db"
            wait_for(lambda: count_rows(database, "SELECT count(*) FROM mention") == 6, "a poll")
        finally:
            status, stderr = stop(process)
    assert status == 0, stderr
    assert "WATCHDOG=1" not in seen  # no WATCHDOG_USEC: no pings
    # Under systemd (INVOCATION_ID set) journald stamps lines: no time of our own.
    lines = stderr.splitlines()
    assert "INFO monitor.run: source alerts: ok, 3 fetched, 3 new, 0 updated (baseline)" in lines
    assert all(line.split(" ", 1)[0] in ("INFO", "WARNING", "ERROR") for line in lines), lines


def test_sigterm_during_a_slow_fetch_exits_0_within_the_bound(
    server: LoopbackServer, tmp_path: Path
) -> None:
    server.route("/alerts.xml", Reply.fixture("feed/google_alerts.xml", ATOM))
    # Slower than the daemon's stop bound: this request is abandoned, not awaited.
    server.route("/news.rss", Reply.fixture("feed/rss2.xml", RSS, delay=120))
    config = feed_config(tmp_path, server, timeout="300s")
    database = tmp_path / "monitor.db"
    process = start_daemon(config)
    wait_for(lambda: server.requests_to("/news.rss"), "the slow request")
    wait_for(
        lambda: count_rows(database, "SELECT count(*) FROM mention WHERE source = 'alerts'") == 3,
        "the fast source to be stored",
    )
    started = time.monotonic()
    status, stderr = stop(process)
    assert status == 0, stderr
    assert time.monotonic() - started < STOP_BOUND
    assert "source news: abandoned at shutdown" in stderr
    assert "Traceback" not in stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        leases = connection.execute(
            "SELECT name FROM source_state WHERE lease_owner IS NOT NULL"
        ).fetchall()
        news = connection.execute("SELECT count(*) FROM mention WHERE source = 'news'").fetchone()
    assert leases == []  # given back, so the next scan need not wait for it to expire
    assert news == (0,)
    server.route("/news.rss", Reply.fixture("feed/rss2.xml", RSS))
    rerun = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "scan"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert count_rows(database, "SELECT count(*) FROM mention WHERE source = 'news'") == 3


@pytest.mark.parametrize("first", ["daemon", "scan"])
def test_the_daemon_and_a_manual_scan_share_the_database(
    server: LoopbackServer, tmp_path: Path, first: str
) -> None:
    gate = threading.Event()  # holds every feed reply until both processes are in play
    server.route("/alerts.xml", Reply.fixture("feed/google_alerts.xml", ATOM, hold=gate))
    server.route("/news.rss", Reply.fixture("feed/rss2.xml", RSS, hold=gate))
    config = feed_config(tmp_path, server)
    database = tmp_path / "monitor.db"
    scan_command = [sys.executable, "-m", "monitor", "--config", str(config), "scan"]
    both_requested = lambda: len(server.requests) == 2  # noqa: E731
    if first == "daemon":
        daemon = start_daemon(config)
        wait_for(both_requested, "the daemon's requests")
        scan = subprocess.run(scan_command, capture_output=True, text=True, timeout=120)
        gate.set()
        scan_status, scan_stderr = scan.returncode, scan.stderr
    else:
        scan_process = subprocess.Popen(
            scan_command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        wait_for(both_requested, "the scan's requests")
        daemon = start_daemon(config)
        wait_for(
            lambda: count_rows(database, "SELECT count(*) FROM worker") == 1,
            "the daemon to start polling",
        )
        gate.set()
        _, scan_stderr = scan_process.communicate(timeout=120)
        scan_status = scan_process.returncode
    wait_for(
        lambda: count_rows(database, "SELECT count(*) FROM mention") == 6, "every mention stored"
    )
    wait_for(
        lambda: (
            count_rows(database, "SELECT count(*) FROM scan_run WHERE finished_at IS NULL") == 0
        ),
        "both scans to finish",
    )
    status, daemon_stderr = stop(daemon)
    assert status == 0, daemon_stderr
    # The one that came second found both sources leased and polled neither.
    assert scan_status == (3 if first == "daemon" else 0), scan_stderr
    assert len(server.requests) == 2  # each source fetched once between the two processes
    for output in (scan_stderr, daemon_stderr):
        assert "database is locked" not in output and "Traceback" not in output
    assert (
        count_rows(database, "SELECT count(DISTINCT source || ':' || external_id) FROM mention")
        == 6
    )
