"""The sentiment benchmark labels texts exactly as a real scan stores them (issue #18)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from benchmarks.sentiment import DEV, product_labeller, read_school_talk, tone_of
from monitor.config.settings import load
from monitor.model import Label
from monitor.scan.ingest import Ingest
from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply
from tests.scan.test_scan import scan, stored

SAMPLE = 60  # dev texts fed through the scan: every genre and label


def feed(texts: list[str]) -> bytes:
    """An Atom feed with one entry per text; the title is the text's start, as feeds often do."""
    entries = "".join(
        f"<entry><id>urn:dev:{index}</id><title>{escape(text[:40])}</title>"
        f'<link href="https://news.example.org/{index}"/>'
        f"<updated>2026-12-01T10:{index % 60:02d}:00Z</updated>"
        f"<content>{escape(text)}</content></entry>"
        for index, text in enumerate(texts)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>t</title><id>urn:t</id><updated>2026-12-01T00:00:00Z</updated>{entries}</feed>"
    ).encode()


def test_benchmark_labels_are_the_labels_a_scan_stores(
    server: LoopbackServer, sqlite_url: str, tmp_path: Path
) -> None:
    examples = read_school_talk(DEV)
    step = len(examples) // SAMPLE
    texts = [example.text for example in examples[::step][:SAMPLE]]
    server.route(
        "/dev.xml", Reply(body=feed(texts), headers={"Content-Type": "application/atom+xml"})
    )
    config = load(
        write_config(
            tmp_path,
            storage_url=sqlite_url,
            sources={"dev": {"type": "feed", "url": f"{server.url}/dev.xml"}},
        )
    )
    scan(config)
    by_id = {mention.external_id: mention for mention in stored(config)}
    scanned = [tone_of(by_id[f"urn:dev:{index}"].labels) for index in range(len(texts))]
    benchmark = product_labeller(Ingest(config))(texts)
    assert scanned == benchmark
    # The sample is not one-sided: the agreement covers every tone.
    assert set(scanned) == {Label.NEGATIVE, Label.NEUTRAL, Label.POSITIVE}
