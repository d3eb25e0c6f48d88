"""Places review text is blanked after its retention; id, rating, time, link and score stay."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from monitor.model import Item
from storage import mention_reading, mentions
from storage.database import Store
from storage.text_expiry import blank_expired_text, count_expired_text
from tests.storage.factories import HOUR, NOW, make_item, make_sentiment

DAY = timedelta(days=1)


def write(store: Store, item: Item, at: timedelta = timedelta(0)) -> int:
    with store.transaction() as tx:
        outcome = mentions.add_or_update(
            tx,
            source="places",
            source_type="google_places",
            item=item,
            sentiment=make_sentiment(compound=-0.6, words=("poor",)),
            labels=["negative"],
            now=NOW + at,
            baseline=False,
        )
    return outcome.mention_id


def test_text_is_blanked_after_retention_and_the_rest_is_kept(store: Store) -> None:
    kept_days = make_item("places/X/reviews/recent", retain_text_days=30, published_at=NOW)
    old = make_item(
        "places/X/reviews/old",
        retain_text_days=30,
        published_at=NOW - 10 * DAY,
        text="Communication from the office has been poor this term.",
        title="A title",
        rating=2.0,
    )
    forever = make_item("feed-entry", item_type="entry", published_at=NOW - 400 * DAY)
    old_id = write(store, old)
    write(store, kept_days)
    write(store, forever)
    # An edit keeps the old text as a version: that copy must go too.
    write(store, replace(old, text="Edited: still poor."), HOUR)

    with store.transaction() as tx:
        assert blank_expired_text(tx, NOW + 19 * DAY) == 0  # 10 + 19 < 30 days
    with store.transaction() as tx:
        assert count_expired_text(tx, NOW + 20 * DAY) == 1
        assert blank_expired_text(tx, NOW + 20 * DAY) == 1
        assert count_expired_text(tx, NOW + 20 * DAY) == 0
    with store.transaction() as tx:
        assert blank_expired_text(tx, NOW + 20 * DAY) == 0  # done once, not reported again
        stored = {m.external_id: m for m in mention_reading.list_mentions(tx, source="places")}
        earlier = mentions.versions(tx, old_id)
    blanked = stored["places/X/reviews/old"]
    assert (blanked.text, blanked.title, blanked.author) == ("", None, None)
    assert blanked.rating == 2.0
    assert blanked.published_at == NOW - 10 * DAY
    assert blanked.url == "https://example.org/reviews/places/X/reviews/old"
    assert blanked.labels == ("negative",)
    assert blanked.sentiment is not None and blanked.sentiment.compound == -0.6
    assert blanked.sentiment.most_negative_sentence == "" and blanked.sentiment.words == ()
    assert [(version.text, version.title) for version in earlier] == [("", None)]
    assert stored["places/X/reviews/recent"].text.startswith("Lovely staff")
    assert stored["feed-entry"].text.startswith("Lovely staff")  # no retention: never blanked


def test_the_same_review_fetched_again_after_the_purge_is_not_stored_again(store: Store) -> None:
    review = make_item("places/X/reviews/r", retain_text_days=0, published_at=NOW)
    write(store, review)
    with store.transaction() as tx:
        assert blank_expired_text(tx, NOW + HOUR) == 1
    with store.transaction() as tx:
        outcome = mentions.add_or_update(
            tx,
            source="places",
            source_type="google_places",
            item=review,
            sentiment=make_sentiment(),
            labels=[],
            now=NOW + 2 * HOUR,
            baseline=False,
        )
        [stored] = mention_reading.list_mentions(tx, source="places")
    assert outcome.status == "unchanged"
    assert stored.text == ""
