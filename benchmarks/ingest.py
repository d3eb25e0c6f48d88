"""Benchmark: ingest 10,000 feed entries end to end, against the floor of parsing plus scoring.

    .venv/bin/python benchmarks/ingest.py [--entries 10000] [--postgres URL]

1. Floor: feedparser.parse + sentiment.score of every entry, on the same bytes, in this process.
2. Pipeline: `monitor.scan.run_scan` on a fresh SQLite file (or PostgreSQL) fetching the feed
   from a loopback server: HTTP, parsing, scoring, labelling, storing.
3. Re-scan with nothing new, twice: with a server that answers conditional GETs (304) and with
   one that ignores them (full 200): requests made and rows written each time.
Figures are printed as ratios against the floor measured in the same run. Run by hand; record
the output in docs/performance.md. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import feedparser  # noqa: E402

from monitor.config.settings import load  # noqa: E402
from monitor.judgement.sentiment import SentimentScorer  # noqa: E402
from monitor.scan.scanner import run_scan  # noqa: E402
from sources.http import PoliteClient  # noqa: E402
from storage import mention_reading  # noqa: E402
from storage.database import Store  # noqa: E402
from tests.loopback import LoopbackServer, Reply  # noqa: E402

PHRASES = [
    "Calcot Junior School pupils won the county chess trophy, a brilliant result.",
    "Parents are angry about poor communication from the office this term.",
    "The nativity play at Calcot Infant School was lovely and the children were wonderful.",
    "Ofsted rated the school as requires improvement, which worried some families.",
    "The new cycle lane on the A4 opens next week near the school.",
    "Terrible handling of the bullying complaint; nobody called us back!!!",
]


def make_feed(entries: int) -> bytes:
    """An Atom feed of `entries` distinct entries."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>bench</title><id>urn:bench</id><updated>2026-11-20T00:00:00Z</updated>"
    ]
    for number in range(entries):
        text = f"{PHRASES[number % len(PHRASES)]} Item {number}."
        when = (start + timedelta(minutes=number)).strftime("%Y-%m-%dT%H:%M:%SZ")
        parts.append(
            f"<entry><id>urn:bench:{number}</id><title>Story {number} about Calcot</title>"
            f'<link href="https://news.example.org/{number}"/><updated>{when}</updated>'
            f'<published>{when}</published><content type="html">{escape(text)}</content></entry>'
        )
    parts.append("</feed>")
    return "".join(parts).encode()


def floor(body: bytes, scorer: SentimentScorer) -> tuple[float, int]:
    """Seconds to parse the feed and score every entry: the cost no pipeline can avoid.

    The scan scores the headline with the text (a headline can carry the news), so the floor
    scores the same words: the title as its own sentence, then the content.
    """
    began = time.perf_counter()
    parsed = feedparser.parse(io.BytesIO(body))  # bytes alone may be taken for a file name
    for entry in parsed.entries:
        scorer.score(f"{entry.title}.\n{entry.content[0].value}")
    return time.perf_counter() - began, len(parsed.entries)


def write_config(directory: Path, feed_url: str, storage_url: str) -> Path:
    path = directory / "config.toml"
    path.write_text(
        f"""
[school]
name = "Calcot Schools"
aliases = ["Calcot"]
[storage]
url = "{storage_url}"
[http]
contact = "bench@example.org"
timeout = "120s"
max_body = "200MiB"
[sources.bench]
type = "feed"
url = "{feed_url}"
""",
        encoding="utf-8",
    )
    return path


async def scan_once(config_path: Path) -> tuple[float, int, int, int]:
    """Seconds, requests, rows written (new + updated) and mentions stored after one scan."""
    config = load(config_path)
    store = Store.open(config.storage.url)
    try:
        async with PoliteClient(contact="bench@example.org", timeout=120) as http:
            began = time.perf_counter()
            report = await run_scan(config, store, http)
            seconds = time.perf_counter() - began
            requests = http.requests_made
        outcome = report.outcomes[0]
        if outcome.status != "ok":
            raise SystemExit(f"scan failed: {outcome.error}")
        with store.transaction() as tx:
            stored = mention_reading.count_by_source(tx).get("bench", 0)
        return seconds, requests, outcome.new + outcome.updated, stored
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--postgres", help="a postgresql+psycopg:// URL of an EMPTY database")
    args = parser.parse_args()

    body = make_feed(args.entries)
    scorer = SentimentScorer()
    floor_seconds, parsed = floor(body, scorer)
    print(f"feed: {args.entries} entries, {len(body) / 1e6:.1f} MB")
    print(
        f"floor (feedparser + sentiment.score): {floor_seconds:.2f} s, "
        f"{parsed / floor_seconds:,.0f} entries/s"
    )

    server = LoopbackServer().start()
    server.route(
        "/bench.xml",
        Reply(body=body, headers={"Content-Type": "application/atom+xml"}, etag='"bench-1"'),
    )
    server.route("/plain.xml", Reply(body=body, headers={"Content-Type": "application/atom+xml"}))
    try:
        with tempfile.TemporaryDirectory() as directory:
            storage_url = args.postgres or f"sqlite:///{directory}/bench.db"
            config_path = write_config(Path(directory), f"{server.url}/bench.xml", storage_url)
            seconds, requests, rows, stored = asyncio.run(scan_once(config_path))
            rate = stored / seconds
            print(
                f"pipeline (HTTP + parse + score + store, {storage_url.split(':')[0]}): "
                f"{seconds:.2f} s, {rate:,.0f} entries/s, {stored} stored"
            )
            print(
                f"pipeline / floor throughput: {rate / (parsed / floor_seconds):.0%} "
                "(target >= 70%)"
            )
            seconds, requests, rows, stored = asyncio.run(scan_once(config_path))
            print(
                f"re-scan, conditional GET honoured: {requests} request(s), {rows} rows written, "
                f"{seconds * 1000:.0f} ms"
            )
            plain = write_config(Path(directory), f"{server.url}/plain.xml", storage_url)
            config_path.write_text(plain.read_text())
            asyncio.run(scan_once(config_path))  # first poll of the same entries via the new URL
            seconds, requests, rows, stored = asyncio.run(scan_once(config_path))
            print(
                f"re-scan, server ignores conditional GET: {requests} request(s), "
                f"{rows} rows written, {seconds:.2f} s ({seconds / floor_seconds:.0%} of floor)"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
