"""`monitor run` as real processes: each source on its own clock, several workers on one database.

Real daemons (`python -m monitor run`), real HTTP over loopback, a real SQLite file or PostgreSQL,
a real SMTP server. No timing assertions beyond bounds a correct implementation always meets:
"the fast source was polled 5 times while the slow one's request hung", "two polls of one
source are at least its interval apart, less its 5% jitter".
"""

from __future__ import annotations

import email
import email.policy
import itertools
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply, Request
from tests.mail.conftest import email_table
from tests.mail.smtpd import SmtpServer
from tests.service.test_run import start_daemon, stop, wait_for

ATOM = "application/atom+xml"
RSS = "application/rss+xml"
HTML = "text/html; charset=utf-8"


class Arrivals:
    """When each request reached the server (monotonic seconds), by path."""

    def __init__(self, server: LoopbackServer) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()
        server.on_request = self.record

    def record(self, request: Request) -> None:
        with self.lock:
            self.times[request.path].append(time.monotonic())

    def of(self, path: str) -> list[float]:
        with self.lock:
            return list(self.times[path])

    def all(self) -> list[float]:
        with self.lock:
            return sorted(moment for moments in self.times.values() for moment in moments)


def test_a_slow_source_delays_no_other(server: LoopbackServer, tmp_path: Path) -> None:
    """A feed due every second is polled again and again while another source's server hangs."""
    server.route("/fast.xml", Reply.fixture("feed/atom.xml", ATOM))
    # Far longer than the test: this poll is in flight from start to end.
    server.route("/slow.rss", Reply.fixture("feed/rss2.xml", RSS, delay=300))
    arrivals = Arrivals(server)
    config = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={
            "slow": {"type": "feed", "url": f"{server.url}/slow.rss", "timeout": "600s"},
            "fast": {"type": "feed", "url": f"{server.url}/fast.xml", "interval": "1s"},
        },
    )
    config.write_text(config.read_text().replace('timeout = "5s"', 'timeout = "400s"'))
    process = start_daemon(config)
    try:
        wait_for(lambda: arrivals.of("/slow.rss"), "the slow request")
        hung_at = arrivals.of("/slow.rss")[0]
        wait_for(
            lambda: len([t for t in arrivals.of("/fast.xml") if t > hung_at]) >= 5,
            "the fast source polled five times while the slow one hangs",
        )
    finally:
        status, stderr = stop(process)
    assert status == 0, stderr
    assert len(arrivals.of("/slow.rss")) == 1  # still the one poll, never finished
    assert "source slow: abandoned at shutdown" in stderr


def test_a_second_daemon_on_sqlite_says_it_is_not_the_supported_set_up(
    server: LoopbackServer, tmp_path: Path
) -> None:
    server.route("/feed.xml", Reply.fixture("feed/atom.xml", ATOM))
    config = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"news": {"type": "feed", "url": f"{server.url}/feed.xml", "interval": "2s"}},
    )
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'monitor.db'}")

    def workers() -> int:
        try:
            with engine.connect() as connection:
                return int(connection.execute(sa.text("SELECT count(*) FROM worker")).scalar_one())
        except sa.exc.OperationalError:  # not migrated yet
            return 0

    first = start_daemon(config)
    try:
        wait_for(lambda: workers() == 1, "the first daemon")
        second = start_daemon(config)
        try:
            wait_for(lambda: workers() == 2, "the second daemon")
        finally:
            status, second_err = stop(second)
        assert status == 0, second_err
    finally:
        first_status, first_err = stop(first)
    engine.dispose()
    assert first_status == 0, first_err
    assert "one daemon per SQLite file is the supported set-up" in second_err
    assert "one daemon per SQLite file" not in first_err  # it was alone when it started


# ---- several workers on PostgreSQL -----------------------------------------------------------

FEEDS = 6
FEED_INTERVAL = 2.0
MUMSNET_DELAY = 1.0
LEASE = 30.0  # monitor.service.poller.PollerTiming.lease
THREADS = {
    "mn_admissions": "/talk/primary_education/5400001",
    "mn_aibu": "/talk/am_i_being_unreasonable/5413111",
}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def fleet_config(
    tmp_path: Path, url: str, feeds: LoopbackServer, site: LoopbackServer, smtp_port: int
) -> Path:
    sources: dict[str, dict[str, object]] = {
        f"feed{n}": {"type": "feed", "url": f"{feeds.url}/feed{n}.xml", "interval": "2s"}
        for n in range(FEEDS)
    }
    for name, path in THREADS.items():
        sources[name] = {
            "type": "mumsnet",
            "base_url": site.url,
            "threads": [f"{site.url}{path}"],
            "request_delay": f"{MUMSNET_DELAY:g}s",
            "interval": "2s",
        }
    return write_config(
        tmp_path,
        storage_url=url,
        sources=sources,
        extra=email_table(smtp_port, digest_schedule="* * * * *"),
    )


def test_several_daemons_share_postgresql_and_survive_a_kill(
    postgres_url: str, tmp_path: Path, smtp: SmtpServer
) -> None:
    """Three workers, one killed with SIGKILL: no double poll, every source polled again, the
    Mumsnet-like host never asked faster than its delay, one digest per minute's slot."""
    feeds = LoopbackServer().start()
    site = LoopbackServer().start()
    try:
        for n in range(FEEDS):
            feeds.route(f"/feed{n}.xml", Reply.fixture("feed/atom.xml", ATOM))
        site.route("/robots.txt", Reply.fixture("mumsnet/robots.txt", "text/plain"))
        site.route(THREADS["mn_admissions"], Reply.fixture("mumsnet/thread_5400001.html", HTML))
        site.route(THREADS["mn_aibu"], Reply.fixture("mumsnet/thread_5413111.html", HTML))
        feed_arrivals = Arrivals(feeds)
        site_arrivals = Arrivals(site)
        config = fleet_config(tmp_path, postgres_url, feeds, site, smtp.port)
        # Migrate once first: three processes racing to create the schema is another test's.
        subprocess.run(
            [*daemon_command(config), "db", "upgrade"], check=True, capture_output=True, timeout=120
        )
        workers = [start_daemon(config) for _ in range(3)]
        killed = workers[0]
        try:
            every_feed = [f"/feed{n}.xml" for n in range(FEEDS)]
            wait_for(
                lambda: all(len(feed_arrivals.of(path)) >= 3 for path in every_feed),
                "every feed polled a few times",
                timeout=90,
            )
            killed.send_signal(signal.SIGKILL)
            killed.wait(timeout=30)
            killed_at = time.monotonic()
            paths = [*every_feed, *THREADS.values()]
            wait_for(
                lambda: all(
                    any(
                        t > killed_at + LEASE
                        for t in site_arrivals.of(path) + feed_arrivals.of(path)
                    )
                    for path in paths
                ),
                "every source polled again once the killed worker's leases expired",
                timeout=120,
            )
            wait_for(lambda: len(digests(smtp)) >= 2, "two digests", timeout=150)
        finally:
            outputs = []
            for process in workers[1:]:
                status, stderr = stop(process)
                outputs.append((status, stderr))
            if killed.poll() is None:  # a failure before the kill
                killed.kill()
            killed.communicate()
        for status, stderr in outputs:
            assert status == 0, stderr
            assert "Traceback" not in stderr, stderr
    finally:
        feeds.stop()
        site.stop()

    # No double poll: two polls of a source never closer than its interval less the jitter.
    for path in every_feed:
        times = feed_arrivals.of(path)
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert min(gaps) >= FEED_INTERVAL * 0.95 - 0.05, (path, gaps)
    # The Mumsnet-like host: every request, whichever worker sent it, its delay after the last.
    site_times = site_arrivals.all()
    site_gaps = [later - earlier for earlier, later in itertools.pairwise(site_times)]
    assert len(site_times) >= 6
    assert min(site_gaps) >= MUMSNET_DELAY * 0.9, site_gaps
    # One digest per minute: each message is its own window, no two in the same slot.
    sent = digests(smtp)
    windows = [message["Subject"] for message in sent]
    assert len({message["Message-ID"] for message in sent}) == len(sent)
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        ends = connection.execute(
            sa.text("SELECT window_end FROM digest ORDER BY window_end")
        ).all()
        slots = connection.execute(
            sa.text("SELECT count(*), count(DISTINCT period) FROM job_slot WHERE job = 'digest'")
        ).one()
    engine.dispose()
    assert len(ends) == len(sent), windows
    minutes = [end.replace(second=0, microsecond=0) for (end,) in ends]
    assert len(set(minutes)) == len(minutes), ends
    assert slots[0] == slots[1]


def daemon_command(config: Path) -> list[str]:
    return [sys.executable, "-m", "monitor", "--config", str(config)]


def digests(smtp: SmtpServer) -> list[email.message.EmailMessage]:
    """The digest messages the SMTP server accepted."""
    found = []
    for received in list(smtp.handler.received):
        message = email.message_from_bytes(received.raw, policy=email.policy.default)
        if "(digest " in str(message["Subject"]):
            found.append(message)
    return found
