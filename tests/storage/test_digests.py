"""Digest windows and the digest's reads on each backend (JSON `has_reply` included)."""

from __future__ import annotations

from datetime import timedelta

from storage import digests, mentions
from storage.database import Store
from tests.storage.factories import HOUR, NOW, make_item, make_sentiment


def store_review(store: Store, external_id: str, extra: dict[str, object], baseline: bool) -> None:
    with store.transaction() as tx:
        mentions.add_or_update(
            tx,
            source="google",
            source_type="google_business",
            item=make_item(external_id, extra=extra),
            sentiment=make_sentiment(),
            labels=["positive"],
            now=NOW,
            baseline=baseline,
        )


def test_a_window_is_recorded_once_and_the_next_starts_at_its_end(store: Store) -> None:
    with store.transaction() as tx:
        assert digests.last_window_end(tx) is None
        assert digests.add(tx, NOW - 24 * HOUR, NOW, None, NOW) is not None
        assert digests.add(tx, NOW - 24 * HOUR, NOW + HOUR, None, NOW) is None
        assert digests.last_window_end(tx) == NOW


def test_unreplied_reviews_and_mentions_of_a_window(store: Store) -> None:
    store_review(store, "unanswered", {"has_reply": False}, baseline=False)
    store_review(store, "answered", {"has_reply": True}, baseline=False)
    store_review(store, "unknown", {}, baseline=True)
    with store.transaction() as tx:
        unreplied, total = digests.unreplied_reviews(tx, 10)
        seen = digests.mentions_seen(tx, NOW, NOW + HOUR)
        assert digests.baseline_count(tx, NOW, NOW + HOUR) == 1
        assert digests.mentions_seen(tx, NOW + HOUR, NOW + 2 * HOUR) == []
        assert [labels for _, labels in digests.labels_seen(tx, NOW, NOW + HOUR)] == [
            ["positive"],
            ["positive"],
        ]
        by_id = digests.mentions_by_id(tx, [seen[0].id])
        assert digests.first_seen(tx) == NOW
        assert digests.open_alert_count(tx) == 0
        assert digests.alerts_created(tx, NOW - timedelta(days=1), NOW) == []
    assert [m.external_id for m in unreplied] == ["unanswered"] and total == 1
    assert sorted(m.external_id for m in seen) == ["answered", "unanswered"]
    assert list(by_id) == [seen[0].id]
