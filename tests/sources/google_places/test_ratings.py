"""The rating and its count each poll, and the digest's count of ratings Google does not show."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config.settings import load
from monitor.mail.digest import build, render_digest
from monitor.model import SourceState
from monitor.scan.scanner import run_scan
from monitor.times import utc_iso
from sources.http import PoliteClient
from storage.database import Store
from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply
from tests.sources.google_business.support import google
from tests.sources.google_places.support import PLACE, PLACE_ID, keys, payload, places, run_fetch


def test_each_poll_reports_the_rating_and_count_and_keeps_no_cursor(
    server: LoopbackServer,
) -> None:
    server.route(PLACE, google("places_five_reviews"), google("places_count_rose"))
    first = run_fetch(places(server))
    assert first.rating is not None and (first.rating.average, first.rating.count) == (4.1, 27)
    state = SourceState(name="places", cursor=first.cursor, last_success_at=datetime.now(UTC))
    second = run_fetch(places(server), state)
    assert second.rating is not None and (second.rating.average, second.rating.count) == (4.0, 29)
    # Ratings Google does not show are the digest's to count, from these snapshots (one place).
    assert first.cursor == second.cursor == {}


def scan_at(config_path: Path, moment: datetime) -> None:
    """One scan of the configured sources as if it ran at `moment`."""
    config = load(config_path)

    async def go() -> None:
        async with PoliteClient(contact="t@example.org", backoff=0.01, timeout=5) as http:
            with Store.open(config.storage.url) as store:
                report = await run_scan(config, store, http, clock=lambda: moment)
        assert [outcome.status for outcome in report.outcomes] == ["ok"]

    asyncio.run(go())


def test_the_digest_counts_new_ratings_google_does_not_show(
    server: LoopbackServer, tmp_path: Path
) -> None:
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    tuesday = monday + timedelta(days=1)
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"places": keys(server)},
    )
    server.route(PLACE, google("places_five_reviews"))  # 27 ratings
    scan_at(path, monday)  # the baseline
    rose = payload("places_count_rose")  # 29 ratings: 2 more
    newest = dict(rose["reviews"][0], name=f"places/{PLACE_ID}/reviews/ChdNEW")
    newest["publishTime"] = utc_iso(tuesday - timedelta(hours=3))
    # A review of last year newly among the five: first stored now, but no new rating.
    promoted = dict(rose["reviews"][4], name=f"places/{PLACE_ID}/reviews/ChdOLD")
    rose["reviews"] = [newest, *rose["reviews"][1:4], promoted]
    server.route(PLACE, Reply(body=json.dumps(rose), headers={"Content-Type": "application/json"}))
    scan_at(path, tuesday)

    config = load(path)
    with Store.open(config.storage.url) as store, store.transaction(read_only=True) as tx:
        digest = build(tx, config, monday + timedelta(hours=1), tuesday + timedelta(hours=1))
    [line] = digest.ratings
    assert (line.source, line.average, line.count) == ("places", "4.0", 29)
    assert line.hidden == 1  # 2 more ratings, 1 of them the new review written on Tuesday
    text, _html = render_digest(digest, config)
    assert "1 new rating not shown by Google's API" in text
