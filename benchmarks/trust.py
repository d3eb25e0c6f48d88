"""Benchmark: the rescan cost of a trust of 50 schools × 6 sources, against one school's.

    .venv/bin/python benchmarks/trust.py [--schools 50] [--postgres URL]

Every school is watched by six sources, all served by one loopback server in the shapes of
../shared/sources.md (or docs/sources/*): its Wikipedia article, the Mumsnet topic listing
(`primary_education`), a regional news feed (match_aliases), its Google Alert feed, its own
newsletter feed and its local authority's feed. Three ways to watch N schools, in one run:

  one school      one deployment, one [school], its six sources: the baseline;
  N monitors      what a trust had to do before issue #22: N such deployments, one after the
                  other (every one reads the same Mumsnet listing and regional feed);
  trust           one deployment with N [schools.<id>]: the shared sources (Wikipedia pages,
                  Mumsnet, the regional feed) once, serving every school; the per-school feeds
                  as before.

For each: the first scan, then an idle rescan (nothing new: feeds answer 304, the Wikipedia
pages have no new revision, the listing names no new thread), best of 3: its time and the HTTP
requests it sent, and both as ratios of the one-school baseline. Run by hand; record the figures
in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.rescan import drop_created, postgres_database  # noqa: E402
from monitor.config.settings import Config, load  # noqa: E402
from monitor.scan.scanner import ScanReport, run_scan  # noqa: E402
from sources.http import PoliteClient  # noqa: E402
from storage.database import Store  # noqa: E402
from tests.loopback import FIXTURES, LoopbackServer, Reply  # noqa: E402

API = "/w/api.php"
ATOM = {"Content-Type": "application/atom+xml"}
JSON = {"Content-Type": "application/json"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
PER_SCHOOL_FEEDS = ("alert", "newsletter", "council")  # three of the six sources are per school


def school_name(number: int) -> str:
    return f"Example Primary School {number:02d}"


def revision(number: int) -> dict[str, object]:
    return {
        "revid": 1_250_000_000 + number,
        "parentid": 1_240_000_000 + number,
        "minor": False,
        "user": "Localhistorian",
        "userid": 4412345,
        "timestamp": "2026-10-01T08:30:00Z",
        "size": 6000,
        "sha1": f"{number:040x}",
        "comment": "/* History */ sources",
        "tags": [],
    }


def page(number: int) -> dict[str, object]:
    return {"pageid": 31_000_000 + number, "ns": 0, "title": school_name(number)}


def pages_answer(numbers: list[int]) -> Reply:
    """A prop=revisions answer holding each page's latest revision (formatversion=2)."""
    body = {
        "batchcomplete": True,
        "query": {"pages": [{**page(n), "revisions": [revision(n)]} for n in numbers]},
    }
    return Reply(body=json.dumps(body).encode(), headers=JSON)


def feed(name: str, *titles: str) -> Reply:
    entries = "".join(
        f"<entry><id>urn:{name}:{n}</id><title>{title}</title>"
        f'<link href="https://news.example.org/{name}/{n}"/>'
        "<updated>2026-11-20T10:00:00Z</updated><content>A lovely evening.</content></entry>"
        for n, title in enumerate(titles)
    )
    body = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>'
        f"<id>urn:{name}</id><updated>2026-11-20T00:00:00Z</updated>{entries}</feed>"
    )
    return Reply(body=body.encode(), etag=f'"{name}"', headers=ATOM)


def route_everything(server: LoopbackServer, schools: int) -> None:
    """Every school's pages and feeds, the Mumsnet listing, the regional feed."""
    mumsnet = FIXTURES / "mumsnet"
    server.route("/robots.txt", Reply(body=(mumsnet / "robots.txt").read_bytes()))
    listing = (mumsnet / "topic_primary_education.html").read_bytes()
    server.route("/talk/primary_education", Reply(body=listing, headers=HTML))
    regional = [f"{school_name(n)} wins a prize" for n in range(schools)] + ["Roadworks"]
    server.route("/regional.xml", feed("regional", *regional))
    for n in range(schools):
        for kind in PER_SCHOOL_FEEDS:
            server.route(f"/{kind}/{n}.xml", feed(f"{kind}{n}", f"{school_name(n)} {kind} news"))
        title = school_name(n)
        for params in ({"rvlimit": "50"}, {"rvstartid": str(revision(n)["revid"])}):
            server.route(API, pages_answer([n]), params={"titles": title, **params})
    for start in range(0, schools, 50):
        numbers = list(range(start, min(start + 50, schools)))
        titles = "|".join(school_name(n) for n in numbers)
        server.route(API, pages_answer(numbers), params={"titles": titles, "rvprop": "ids"})


def shared_sources(url: str, numbers: list[int]) -> list[str]:
    """The three sources a trust reads once for all its schools."""
    pages = ", ".join(json.dumps(school_name(n)) for n in numbers)
    return [
        f'[sources.wiki]\ntype = "wikipedia"\napi_url = "{url}{API}"\npages = [{pages}]',
        f'[sources.mumsnet]\ntype = "mumsnet"\nbase_url = "{url}"\n'
        'topics = ["primary_education"]\nrequest_delay = "0s"',
        f'[sources.regional]\ntype = "feed"\nurl = "{url}/regional.xml"\nmatch_aliases = true',
    ]


def own_sources(url: str, n: int, schools: str = "") -> list[str]:
    """The three feeds of school `n` alone."""
    return [
        f'[sources.{kind}{n}]\ntype = "feed"\nurl = "{url}/{kind}/{n}.xml"\n{schools}'
        for kind in PER_SCHOOL_FEEDS
    ]


def head(storage_url: str) -> str:
    return (
        f'[storage]\nurl = "{storage_url}"\n[http]\ncontact = "bench@calcot.example"\n'
        'timeout = "30s"\n'
    )


def one_school_config(url: str, storage_url: str, n: int) -> str:
    school = f'[school]\nname = "{school_name(n)}"\n'
    return "\n".join([school + head(storage_url), *shared_sources(url, [n]), *own_sources(url, n)])


def trust_config(url: str, storage_url: str, schools: int) -> str:
    tables = "".join(f'[schools.s{n:02d}]\nname = "{school_name(n)}"\n' for n in range(schools))
    numbers = list(range(schools))
    own = [source for n in numbers for source in own_sources(url, n, f'schools = ["s{n:02d}"]')]
    return "\n".join([tables + head(storage_url), *shared_sources(url, numbers), *own])


async def scan(config: Config, store: Store) -> tuple[ScanReport, int]:
    async with PoliteClient(contact="bench@calcot.example", timeout=30) as http:
        http.set_host_policy("127.0.0.1", concurrency=64)
        report = await run_scan(config, store, http)
        return report, http.requests_made


class Deployment:
    """One config and its database, scanned on demand."""

    def __init__(self, folder: Path, text: str, name: str) -> None:
        path = folder / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        self.config = load(path)
        self.store = Store.open(self.config.storage.url)

    def scan(self) -> tuple[float, int]:
        began = time.perf_counter()
        report, requests = asyncio.run(scan(self.config, self.store))
        failed = [outcome for outcome in report.outcomes if outcome.status != "ok"]
        assert not failed, [(o.name, o.status, o.error) for o in failed]
        return time.perf_counter() - began, requests


def measure(label: str, storage_url: Callable[[str, str], str], schools: int) -> None:
    server = LoopbackServer().start()
    try:
        route_everything(server, schools)
        with tempfile.TemporaryDirectory() as folder_name:
            folder = Path(folder_name)

            def url(name: str) -> str:
                return storage_url(folder_name, name)

            one = Deployment(folder, one_school_config(server.url, url("one"), 0), "one")
            separate = [
                Deployment(folder, one_school_config(server.url, url(f"m{n}"), n), f"m{n}")
                for n in range(schools)
            ]
            trust = Deployment(folder, trust_config(server.url, url("trust"), schools), "trust")
            rows = []
            for name, group in (
                ("one school", [one]),
                (f"{schools} monitors, one per school", separate),
                (f"trust of {schools} schools", [trust]),
            ):
                first = [deployment.scan() for deployment in group]
                idle = min(
                    (
                        sum(t for t, _ in runs),
                        sum(r for _, r in runs),
                    )
                    for runs in ([deployment.scan() for deployment in group] for _ in range(3))
                )
                sources = sum(len(deployment.config.sources) for deployment in group)
                rows.append((name, sources, sum(t for t, _ in first), idle[0], idle[1]))
            for deployment in (one, *separate, trust):
                deployment.store.close()
    finally:
        server.stop()
    base_time, base_requests = rows[0][3], rows[0][4]
    print(f"\n## {label}")
    print("| deployment | sources | first scan | idle rescan | × one school | requests |"
          " × one school |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for name, sources, first_time, idle_time, requests in rows:
        print(
            f"| {name} | {sources} | {first_time:.2f} s | {idle_time:.3f} s |"
            f" {idle_time / base_time:.1f}× | {requests} | {requests / base_requests:.1f}× |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--postgres", help="URL of a PostgreSQL database on a server we may use")
    arguments = parser.parse_args()
    try:
        measure(
            "SQLite",
            lambda folder, name: f"sqlite:///{folder}/{quote(name)}.db",
            arguments.schools,
        )
        if arguments.postgres:
            server_url = arguments.postgres
            measure("PostgreSQL", lambda _, __: postgres_database(server_url), arguments.schools)
    finally:
        drop_created()


if __name__ == "__main__":
    main()
