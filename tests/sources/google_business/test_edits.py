"""An edited review through the scan: a new version of the mention, the old one kept."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.config.settings import Config
from storage import mention_reading, mentions, ratings
from storage.database import Store
from tests.sources.google_business.support import scan


def test_an_edited_review_updates_the_mention_and_keeps_the_old_version(
    scanned: Config,
) -> None:
    second = scan(scanned)
    assert [(o.status, o.fetched, o.new, o.updated) for o in second.outcomes] == [("ok", 2, 0, 2)]
    store = Store.open(scanned.storage.url)
    try:
        with store.transaction() as tx:
            stored = {m.external_id: m for m in mention_reading.list_mentions(tx, source="google")}
            jane = stored["AbFvOqk-new-two-star"]
            earlier = mentions.versions(tx, jane.id)
            trend = ratings.history(tx, since=datetime(2000, 1, 1, tzinfo=UTC), source="google")
    finally:
        store.close()
    assert len(stored) == 5
    assert (jane.rating, jane.version) == (1.0, 2)
    assert jane.text.startswith("Still no reply from the office")
    assert [(v.rating, v.text[:29]) for v in earlier] == [(2.0, "Communication from the office")]
    reply = stored["AbFvOqr-rating-only"].extra
    assert reply["has_reply"] is True
    assert reply["reply"] == {
        "comment": "Thank you for the four stars!",
        "update_time": "2026-11-27T09:00:00Z",
    }
    assert [(snapshot.average, snapshot.count) for snapshot in trend] == [(4.3, 27), (4.2, 27)]
