"""Benchmark: how a scan's cost grows with the number of sources.

    .venv/bin/python benchmarks/rescan.py [--postgres URL_OF_AN_EMPTY_SERVER_DB] [--sizes 100,1000]

For each backend (a SQLite file; PostgreSQL when --postgres names a server whose user may create
databases) and each size N, in one run:
1. first scan of N feed sources × 20 entries from a loopback server (time; and, on another fresh
   database since tracemalloc slows Python several times, its peak Python memory);
2. idle rescan: every feed answers 304 (conditional GET), nothing is new; best of 3.
Then the marginal cost of one more idle source: (t(N_large) − t(N_small)) / (N_large − N_small),
and the idle rescan's time per source as a ratio of one HTTP round trip measured in the same run
(the floor: a 304 exchange through the same client). Where the time goes: cProfile of the largest
idle rescan, top entries by cumulative time. Run by hand; record in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.config.settings import Config, load  # noqa: E402
from monitor.scan.scanner import ScanReport, run_scan  # noqa: E402
from sources.http import PoliteClient  # noqa: E402
from storage.database import Store  # noqa: E402
from tests.loopback import LoopbackServer, Reply  # noqa: E402

ENTRIES = 20
ATOM = {"Content-Type": "application/atom+xml"}


def feed(source: int) -> bytes:
    """An Atom feed of ENTRIES entries for source number `source`."""
    entries = "".join(
        f"<entry><id>urn:s{source}:{n}</id><title>Calcot story {n} of feed {source}</title>"
        f'<link href="https://news.example.org/{source}/{n}"/>'
        f"<updated>2026-11-20T10:{n:02d}:00Z</updated>"
        f"<content>Parents said the fair at Calcot was lovely ({source}/{n}).</content></entry>"
        for n in range(ENTRIES)
    )
    return (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>b</title>'
        f"<id>urn:b{source}</id><updated>2026-11-20T00:00:00Z</updated>{entries}</feed>"
    ).encode()


def write_config(directory: Path, server: LoopbackServer, storage_url: str, sources: int) -> Config:
    lines = [
        "[school]",
        'name = "Calcot Schools"',
        "[storage]",
        f'url = "{storage_url}"',
        "[http]",
        'contact = "bench@calcot.example"',
    ]
    for number in range(sources):
        lines += [f"[sources.f{number}]", 'type = "feed"', f'url = "{server.url}/f{number}"']
    path = directory / f"config-{sources}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load(path)


async def scan_once(config: Config, store: Store) -> ScanReport:
    async with PoliteClient(contact="bench@calcot.example", timeout=30) as http:
        # Loopback: let every source's request go at once, as separate hosts would.
        http.set_host_policy("127.0.0.1", concurrency=64)
        return await run_scan(config, store, http)


def run_scan_now(config: Config, store: Store) -> ScanReport:
    """One scan, run to completion on a new event loop."""
    return asyncio.run(scan_once(config, store))


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


async def one_round_trip(server: LoopbackServer) -> float:
    """Seconds for one 304 exchange through our client: the floor of an idle poll."""
    async with PoliteClient(contact="bench@calcot.example", timeout=30) as http:
        await http.get(f"{server.url}/f0", etag='"v"')  # warm the connection
        began = time.perf_counter()
        for _ in range(50):
            await http.get(f"{server.url}/f0", etag='"v"')
        return (time.perf_counter() - began) / 50


def measure(
    label: str, url_for: Callable[[str, int], str], sizes: list[int], server: LoopbackServer
) -> None:
    idle: dict[int, float] = {}
    floor = asyncio.run(one_round_trip(server))
    print(f"\n## {label}  (one 304 round trip through the client: {floor * 1000:.2f} ms)")
    print("| sources | first scan (× 20 entries) | peak memory | idle rescan | per source |")
    print("|---|---|---|---|---|")
    for size in sizes:
        peak = first_scan_peak_memory(url_for, size, server)
        with tempfile.TemporaryDirectory() as folder:
            url = url_for(folder, size)
            config = write_config(Path(folder), server, url, size)
            with Store.open(url) as store:
                first_time = timed(partial(run_scan_now, config, store))
                rescans = [timed(partial(run_scan_now, config, store)) for _ in range(3)]
                idle[size] = min(rescans)
                if size == max(sizes):
                    profile(config, store)
            print(
                f"| {size} | {first_time:.2f} s | {peak / 2**20:.0f} MiB | {idle[size]:.2f} s |"
                f" {idle[size] / size * 1000:.1f} ms ({idle[size] / size / floor:.1f}× a round"
                " trip) |"
            )
    small, large = min(sizes), max(sizes)
    marginal = (idle[large] - idle[small]) / (large - small)
    print(f"\nmarginal cost of one more idle source: {marginal * 1000:.2f} ms")


def first_scan_peak_memory(
    url_for: Callable[[str, int], str], size: int, server: LoopbackServer
) -> int:
    """Peak traced Python memory of a first scan, on a database of its own.

    Apart from the timed scan: tracemalloc makes Python several times slower.
    """
    with tempfile.TemporaryDirectory() as folder:
        url = url_for(folder, size)
        config = write_config(Path(folder), server, url, size)
        with Store.open(url) as store:
            tracemalloc.start()
            run_scan_now(config, store)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    return peak


def profile(config: Config, store: Store) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    asyncio.run(scan_once(config, store))
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    PROFILES.append(out.getvalue())


PROFILES: list[str] = []


CREATED: list[tuple[str, str]] = []  # (admin URL, database) to drop at the end


def postgres_database(server_url: str) -> str:
    """A fresh database on the server of `server_url`, dropped when the benchmark ends."""
    import psycopg

    admin = server_url.replace("postgresql+psycopg://", "postgresql://")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    CREATED.append((admin, name))
    return f"{server_url.rsplit('/', 1)[0]}/{name}"


def drop_created() -> None:
    """Drop the databases this run created."""
    import psycopg

    for admin, name in CREATED:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="URL of a PostgreSQL database on a server we may use")
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    server = LoopbackServer().start()
    for number in range(max(sizes)):
        etag = '"v"' if number == 0 else f'"v{number}"'
        server.route(f"/f{number}", Reply(body=feed(number), etag=etag, headers=ATOM))
    try:
        measure("SQLite", lambda folder, size: f"sqlite:///{folder}/monitor.db", sizes, server)
        if arguments.postgres:
            server_url = arguments.postgres
            measure("PostgreSQL", lambda _, __: postgres_database(server_url), sizes, server)
        if arguments.profile:
            for report in PROFILES:
                print(report)
    finally:
        server.stop()
        drop_created()


if __name__ == "__main__":
    main()
