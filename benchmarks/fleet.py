"""Benchmark: a fleet of `monitor run` workers polling many sources on their own clocks.

    .venv/bin/python benchmarks/fleet.py --postgres postgresql+psycopg://postgres@127.0.0.1/test \
        [--sources 20000] [--interval 450] [--duration 540] [--workers 4] [--sqlite]

20,000 feed sources on loopback HTTP servers (four server processes on 127.0.0.1-4, each feed
answering 304 to its ETag: every poll is an idle poll), due every 7.5 minutes: 45 polls a second,
the rate of 80,000 sources every 30 minutes. The database is seeded as after a first round
(every source healthy, its ETag stored, due times spread over the interval), then real
`python -m monitor run` processes serve it: on PostgreSQL `--workers` of them (one killed with
SIGKILL halfway through when there are several), and with `--sqlite` one worker on a SQLite file.
For each run it prints:

  polls/s            requests the servers received in the measured window, per second
  CPU ms/idle poll   the workers' user+system CPU in the window (/proc), per poll (the servers'
                     and PostgreSQL's CPU are not counted); the window opens at the first due
                     time, and never before every worker has started and settled (start-up is
                     not a poll's cost)
  lag p50/p99        seconds from each poll's due time to its claim (scan_run outcomes)
  doubles            two polls of one source closer than its interval less the 5% jitter and 1 s
  stranded           sources overdue by more than a minute at the end, and sources the killed
                     worker held that were not polled again

Every loop is bounded in count and time; loopback addresses only. Record in docs/performance.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from storage import source_state  # noqa: E402
from storage.database import Store  # noqa: E402
from storage.schema import scan_run, worker  # noqa: E402
from storage.schema import source_state as source_state_table  # noqa: E402

ETAG = '"v1"'
FEED = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
    b"<title>Local news</title><id>urn:bench</id><updated>2026-12-01T10:00:00Z</updated>"
    b"</feed>\n"
)
SERVERS = 4
# Seconds from seeding to the first due time: the workers start meanwhile (four of them load a
# 20,000-source config and sync the schedule in about 20 s of two shared cores). The window
# never opens before every worker has started and had SETTLE seconds more: start-up is not an
# idle poll's cost (20 s of lead once put a third of a millisecond of it on each poll).
LEAD = 60.0
SETTLE = 10.0
MAX_WAIT = 120.0  # the longest any step waits for a process


# ---- the loopback servers (child processes) ----------------------------------------------------


def serve(host: str, ready: Any, stop: Any, port_out: Any) -> None:
    """Serve /feed/<n>.xml on `host` (304 to our ETag), recording each arrival; /__stats dumps."""
    arrivals: list[tuple[int, float]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/__stats":
                with lock:
                    body = json.dumps(arrivals).encode()
                self.send_response(200)
            elif self.path.startswith("/feed/"):
                number = int(self.path.removeprefix("/feed/").removesuffix(".xml"))
                with lock:
                    arrivals.append((number, time.time()))
                if self.headers.get("If-None-Match") == ETAG:
                    self.send_response(304)
                    self.send_header("ETag", ETAG)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = FEED
                self.send_response(200)
                self.send_header("ETag", ETAG)
                self.send_header("Content-Type", "application/atom+xml")
            else:
                body = b""
                self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer((host, 0), Handler)
    httpd.daemon_threads = True
    port_out.value = httpd.server_address[1]
    ready.set()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2})
    thread.start()
    stop.wait(6 * 3600)  # bounded: a forgotten server ends on its own
    httpd.shutdown()


class Servers:
    """SERVERS loopback server processes, one per 127.0.0.N."""

    def __init__(self) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.stop = self.context.Event()
        self.processes = []
        self.urls = []
        for n in range(1, SERVERS + 1):
            ready, port = self.context.Event(), self.context.Value("i", 0)
            process = self.context.Process(
                target=serve, args=(f"127.0.0.{n}", ready, self.stop, port), daemon=True
            )
            process.start()
            if not ready.wait(MAX_WAIT):
                raise RuntimeError("a loopback server did not start")
            self.processes.append(process)
            self.urls.append(f"http://127.0.0.{n}:{port.value}")

    def url(self, number: int) -> str:
        return f"{self.urls[number % SERVERS]}/feed/{number}.xml"

    def arrivals(self) -> list[tuple[int, float]]:
        found: list[tuple[int, float]] = []
        for url in self.urls:
            # Our own loopback server's http:// URL.
            with urllib.request.urlopen(f"{url}/__stats", timeout=MAX_WAIT) as response:  # noqa: S310
                found.extend((int(n), float(t)) for n, t in json.load(response))
        return found

    def close(self) -> None:
        self.stop.set()
        for process in self.processes:
            process.join(30)
            if process.is_alive():
                process.kill()


# ---- one run --------------------------------------------------------------------------------


def write_config(directory: Path, url: str, servers: Servers, count: int, interval: int) -> Path:
    lines = [
        "[school]",
        'name = "Bench Trust"',
        'aliases = ["Bench Trust"]',
        "[storage]",
        f"url = {json.dumps(url)}",
        "[http]",
        'contact = "bench@example.org"',
        'timeout = "30s"',
    ]
    for number in range(count):
        lines += [
            f"[sources.f{number:05d}]",
            'type = "feed"',
            f'url = "{servers.url(number)}"',
            f'interval = "{interval}s"',
            'timeout = "60s"',
        ]
    path = directory / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def seed(url: str, count: int, interval: int, first_due: datetime) -> None:
    """Every source as after a first round: healthy, ETag stored, due times spread evenly."""
    with Store.open(url) as store, store.transaction() as tx:
        names = {f"f{number:05d}": "feed" for number in range(count)}
        source_state.ensure_many(tx, names)
        tx.connection.execute(
            sa.update(source_state_table)
            .where(source_state_table.c.name == sa.bindparam("key"))
            .values(
                etag=ETAG,
                health="ok",
                last_success_at=first_due - timedelta(seconds=interval),
                last_poll_at=first_due - timedelta(seconds=interval),
                next_due_at=sa.bindparam("due"),
            ),
            [
                {"key": name, "due": first_due + timedelta(seconds=interval * n / count)}
                for n, name in enumerate(names)
            ],
        )


def wait_until_started(url: str, workers: int, deadline: float) -> float:
    """When every worker had its poller running (its heartbeat row written): time.time()."""
    engine = sa.create_engine(url)
    try:
        while time.time() < deadline:
            with engine.connect() as connection:
                count = connection.execute(
                    sa.select(sa.func.count()).select_from(worker)
                ).scalar_one()
            if count >= workers:
                return time.time()
            time.sleep(0.5)
    finally:
        engine.dispose()
    raise RuntimeError("the workers did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process, from /proc (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(
    label: str, url: str, workers: int, count: int, interval: int, duration: float, kill: bool
) -> dict[str, Any]:
    """One fleet run; its figures."""
    directory = Path(tempfile.mkdtemp(prefix="fleet-bench-"))
    servers = Servers()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        config = write_config(directory, url, servers, count, interval)
        start = time.time() + LEAD
        seed(url, count, interval, datetime.fromtimestamp(start, UTC))
        load_before = os.getloadavg()
        spawned = time.time()
        for n in range(workers):
            log = (directory / f"worker{n}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "monitor", "--config", str(config), "run"],
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    cwd=ROOT,
                )
            )
        ready = wait_until_started(url, workers, start + MAX_WAIT)
        start = max(start, ready + SETTLE)
        time.sleep(max(start - time.time(), 0))
        cpu_start = {p.pid: cpu_seconds(p.pid) for p in processes}
        cpu_end: dict[int, float] = {}
        killed_owner, killed_held, killed_at = None, set(), None
        end = start + duration
        if kill and workers > 1:
            time.sleep(max(start + duration / 2 - time.time(), 0))
            victim = processes[0]
            engine = sa.create_engine(url)
            with engine.connect() as connection:
                killed_owner = connection.execute(
                    sa.select(worker.c.id).where(worker.c.pid == victim.pid)
                ).scalar_one_or_none()
                cpu_end[victim.pid] = cpu_seconds(victim.pid)
                victim.send_signal(signal.SIGKILL)
                killed_at = time.time()
                killed_held = set(
                    connection.execute(
                        sa.select(source_state_table.c.name).where(
                            source_state_table.c.lease_owner == killed_owner
                        )
                    ).scalars()
                )
            engine.dispose()
            victim.wait(MAX_WAIT)
        time.sleep(max(end - time.time(), 0))
        for process in processes:
            if process.pid not in cpu_end:
                cpu_end[process.pid] = cpu_seconds(process.pid)
        load_after = os.getloadavg()
        arrivals = servers.arrivals()
        figures = measure(url, arrivals, start, end, interval, killed_held, killed_at)
        cpu = sum(cpu_end[pid] - cpu_start[pid] for pid in cpu_start)
        polls = figures["polls"]
        figures.update(
            label=label,
            started_in=round(ready - spawned, 1),
            workers=workers,
            killed=killed_owner is not None,
            cpu_ms_per_poll=round(1000 * cpu / polls, 3) if polls else None,
            load=(round(load_before[0], 2), round(load_after[0], 2)),
        )
        return figures
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
        servers.close()


def measure(
    url: str,
    arrivals: list[tuple[int, float]],
    start: float,
    end: float,
    interval: int,
    killed_held: set[str],
    killed_at: float | None,
) -> dict[str, Any]:
    """Polls, lags, doubles and stranded sources of one run."""
    window = [(n, t) for n, t in arrivals if start <= t < end]
    by_source: dict[int, list[float]] = {}
    for number, moment in sorted(arrivals, key=lambda pair: pair[1]):
        by_source.setdefault(number, []).append(moment)
    least_gap = interval * 0.95 - 1.0
    held = {int(name.removeprefix("f")) for name in killed_held}
    early = [
        (number, later)
        for number, moments in by_source.items()
        for earlier, later in itertools.pairwise(moments)
        if later - earlier < least_gap
    ]
    # A poll the killed worker had made but not yet stored is made again once its lease ends:
    # at-least-once, not two workers at one source. Counted apart from doubles.
    redone = sum(1 for number, later in early if number in held and killed_at and later > killed_at)
    doubles = len(early) - redone
    engine = sa.create_engine(url)
    started = datetime.fromtimestamp(start, UTC)
    finished = datetime.fromtimestamp(end, UTC)
    with engine.connect() as connection:
        runs = connection.execute(
            sa.select(scan_run.c.outcomes).where(
                scan_run.c.started_at >= started, scan_run.c.started_at < finished
            )
        ).scalars()
        lags = sorted(
            float(outcome["lag"])
            for outcomes in runs
            for outcome in (
                json.loads(outcomes) if isinstance(outcomes, str) else outcomes
            ).values()
            if outcome.get("lag") is not None
        )
        overdue = connection.execute(
            sa.select(sa.func.count()).where(
                source_state_table.c.next_due_at < finished - timedelta(seconds=60)
            )
        ).scalar_one()
    engine.dispose()
    not_again = 0
    if killed_at is not None:
        for name in killed_held:
            moments = by_source.get(int(name.removeprefix("f")), [])
            if not any(moment > killed_at for moment in moments):
                not_again += 1
    polls = len(window)
    return {
        "polls": polls,
        "polls_per_s": round(polls / (end - start), 2),
        "lag_p50": round(statistics.median(lags), 2) if lags else None,
        "lag_p99": round(lags[int(len(lags) * 0.99) - 1], 2) if lags else None,
        "lag_max": round(lags[-1], 2) if lags else None,
        "lags_counted": len(lags),
        "doubles": doubles,
        "redone_after_kill": redone,
        "stranded_overdue": overdue,
        "killed_held": len(killed_held),
        "killed_not_polled_again": not_again,
    }


def loaded(outcomes: Any) -> dict[str, Any]:
    """A scan_run's outcomes (SQLite may hand back the JSON text)."""
    return dict(json.loads(outcomes) if isinstance(outcomes, str) else outcomes)


def fresh_postgres(admin_url: str) -> tuple[str, str]:
    """A new database on the server of `admin_url`: (its URL, its name)."""
    import psycopg

    name = f"monitor_fleet_bench_{uuid.uuid4().hex[:10]}"
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{admin_url.rsplit('/', 1)[0]}/{name}", name


def drop_postgres(admin_url: str, name: str) -> None:
    import psycopg

    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", help="URL of a PostgreSQL database whose user may create others"
    )
    parser.add_argument("--sqlite", action="store_true", help="also one worker on a SQLite file")
    parser.add_argument("--sources", type=int, default=20_000)
    parser.add_argument("--interval", type=int, default=450, help="seconds")
    parser.add_argument("--duration", type=float, default=540, help="measured seconds per run")
    parser.add_argument("--workers", type=int, nargs="+", default=[4])
    args = parser.parse_args()
    results = []
    if args.postgres:
        for count in args.workers:
            url, name = fresh_postgres(args.postgres)
            try:
                label = f"postgresql, {count} worker{'s' if count > 1 else ''}"
                results.append(
                    run(label, url, count, args.sources, args.interval, args.duration, kill=True)
                )
            finally:
                drop_postgres(args.postgres, name)
            print(json.dumps(results[-1]), flush=True)
    if args.sqlite:
        directory = Path(tempfile.mkdtemp(prefix="fleet-bench-sqlite-"))
        url = f"sqlite:///{directory / 'monitor.db'}"
        results.append(
            run("sqlite, 1 worker", url, 1, args.sources, args.interval, args.duration, kill=False)
        )
        print(json.dumps(results[-1]), flush=True)
    print(
        f"\n{args.sources} sources every {args.interval}s "
        f"({args.sources / args.interval:.1f} polls/s due), {args.duration:g}s measured per run"
    )
    header = (
        "run | polls/s | CPU ms/idle poll | lag p50 | lag p99 | doubles (redone after kill) "
        "| stranded | load"
    )
    print(header)
    for r in results:
        stranded = r["stranded_overdue"] + r["killed_not_polled_again"]
        print(
            f"{r['label']}{' (one killed)' if r['killed'] else ''} | {r['polls_per_s']} | "
            f"{r['cpu_ms_per_poll']} | {r['lag_p50']} s | {r['lag_p99']} s | {r['doubles']} "
            f"({r['redone_after_kill']}) | "
            f"{stranded} | {r['load'][0]} → {r['load'][1]}"
        )


if __name__ == "__main__":
    main()
