"""google_places beside google_business in one config: `monitor scan` stores each review once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from storage import mention_reading, ratings
from storage.database import Store
from tests.loopback import LoopbackServer
from tests.sources.google_places.support import API_KEY, run


def test_monitor_scan_stores_both_types_once(both: tuple[Path, LoopbackServer]) -> None:
    path, _server = both
    first = run("--config", str(path), "scan")
    assert first.exit_code == 0, first.output
    second = run("--config", str(path), "scan")
    assert second.exit_code == 0, second.output
    listed = json.loads(run("--config", str(path), "mentions", "--format", "json").output)
    by_source = sorted((m["source"], m["external_id"]) for m in listed)
    assert len(by_source) == len(set(by_source)) == 10
    assert sum(source == "google" for source, _ in by_source) == 5
    assert all(m["item_type"] == "review" for m in listed)
    store = Store.open(f"sqlite:///{path.parent / 'monitor.db'}")
    try:
        with store.transaction() as tx:
            assert len(mention_reading.list_mentions(tx)) == 10
            trend = ratings.history(tx, since=datetime(2000, 1, 1, tzinfo=UTC))
    finally:
        store.close()
    assert sorted((s.source, s.count) for s in trend) == [
        ("google", 27),
        ("google", 27),
        ("google_places", 27),
        ("google_places", 27),
    ]
    # the second scan added nothing: its summary row says 0 new for each source
    rows = {line.split("\t")[0]: line.split("\t") for line in second.output.splitlines()[1:]}
    assert rows["google"][2] == rows["google_places"][2] == "ok"
    assert rows["google"][4] == rows["google_places"][4] == "0"
    assert API_KEY not in first.output + second.output
