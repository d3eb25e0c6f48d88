"""Mentions: insert once, update with history, read back whole, filter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from monitor.model import EditorKind, Item, Mention, RevisionFacts, Sentiment, Visibility
from storage import mention_reading, mentions, schema
from storage.database import Store, Transaction
from storage.errors import StorageError
from storage.mentions import WriteOutcome
from tests.storage.factories import HOUR, NOW, make_item, make_sentiment


def store_item(
    tx: Transaction,
    item: Item,
    *,
    source: str = "google",
    sentiment: Sentiment | None = None,
    labels: Sequence[str] = (),
    now: datetime = NOW,
    baseline: bool = False,
) -> WriteOutcome:
    return mentions.add_or_update(
        tx,
        source=source,
        source_type="google_places",
        item=item,
        sentiment=sentiment,
        labels=labels,
        now=now,
        baseline=baseline,
    )


def only_mention(store: Store) -> Mention:
    with store.transaction(read_only=True) as tx:
        [stored] = mention_reading.list_mentions(tx)
    return stored


def test_a_new_item_is_stored_and_read_back_whole(store: Store) -> None:
    item = make_item(title="Great school", parent_external_id="place-1", extra={"reply": "Thanks"})
    sentiment = make_sentiment(words=("great", "thriving"))
    with store.transaction() as tx:
        outcome = store_item(tx, item, sentiment=sentiment, labels=["praise", "review"])
    assert outcome.status == "new"
    assert only_mention(store) == Mention(
        id=outcome.mention_id,
        source="google",
        source_type="google_places",
        item_type="review",
        external_id="r1",
        url=item.url,
        title="Great school",
        author="A Parent",
        text=item.text,
        rating=5.0,
        published_at=item.published_at,
        first_seen_at=NOW,
        updated_at=NOW,
        version=1,
        parent_external_id="place-1",
        sentiment=sentiment,
        labels=("praise", "review"),
        extra={"reply": "Thanks"},
        baseline=False,
    )


def test_an_unscored_mention_has_no_sentiment(store: Store) -> None:
    with store.transaction() as tx:
        store_item(tx, make_item())
    assert only_mention(store).sentiment is None
    assert only_mention(store).to_json()["sentiment"] is None


def test_the_same_item_again_is_unchanged_and_not_rewritten(store: Store) -> None:
    with store.transaction() as tx:
        first = store_item(tx, make_item(), sentiment=make_sentiment(0.8))
    with store.transaction() as tx:
        again = store_item(tx, make_item(), sentiment=make_sentiment(-0.9), now=NOW + HOUR)
    assert again == WriteOutcome(first.mention_id, "unchanged")
    stored = only_mention(store)
    assert (stored.version, stored.updated_at) == (1, NOW)
    assert stored.sentiment == make_sentiment(0.8)


def test_an_edited_item_is_updated_and_its_old_text_kept(store: Store) -> None:
    original = make_item(rating=5.0)
    edited = replace(original, text="Changed my mind: poor communication.", rating=2.0)
    with store.transaction() as tx:
        first = store_item(tx, original, sentiment=make_sentiment(0.8), labels=["praise"])
    with store.transaction() as tx:
        second = store_item(
            tx, edited, sentiment=make_sentiment(-0.6), labels=["negative"], now=NOW + HOUR
        )
        history = mentions.versions(tx, first.mention_id)
    assert second == WriteOutcome(first.mention_id, "updated")
    stored = only_mention(store)
    assert (stored.text, stored.rating, stored.version) == (edited.text, 2.0, 2)
    assert (stored.first_seen_at, stored.updated_at) == (NOW, NOW + HOUR)
    assert stored.sentiment == make_sentiment(-0.6)
    assert stored.labels == ("negative",)
    assert history == [
        mentions.MentionVersion(
            mention_id=first.mention_id,
            version=1,
            text=original.text,
            title=None,
            rating=5.0,
            content_hash=mentions.content_hash(original),
            replaced_at=NOW + HOUR,
        )
    ]


def test_a_hidden_then_removed_mention_is_an_edit_that_keeps_its_text(store: Store) -> None:
    item = make_item(text="Shocking behaviour at the gate")
    with store.transaction() as tx:
        store_item(tx, item)
        hidden = store_item(tx, replace(item, visibility=Visibility.HIDDEN), now=NOW + HOUR)
        removed = store_item(tx, replace(item, visibility=Visibility.REMOVED), now=NOW + 2 * HOUR)
        again = store_item(tx, replace(item, visibility=Visibility.REMOVED), now=NOW + 3 * HOUR)
    assert (hidden.status, removed.status, again.status) == ("updated", "updated", "unchanged")
    mention = only_mention(store)
    assert mention.visibility == Visibility.REMOVED and mention.version == 3
    assert mention.text == "Shocking behaviour at the gate"
    assert mention.to_json()["visibility"] == "removed"
    with store.transaction(read_only=True) as tx:
        history = mentions.versions(tx, mention.id)
        found = mentions.find(tx, "google", [item.external_id, "not-stored"])
    assert [old.text for old in history] == [item.text, item.text]
    assert found == {item.external_id: mention}


def test_each_edit_adds_a_version_in_order(store: Store) -> None:
    texts = ["first", "second", "third"]
    for hours, text in enumerate(texts):
        with store.transaction() as tx:
            outcome = store_item(tx, make_item(text=text), now=NOW + hours * HOUR)
    with store.transaction(read_only=True) as tx:
        history = mentions.versions(tx, outcome.mention_id)
    assert [(old.version, old.text) for old in history] == [(1, "first"), (2, "second")]
    assert only_mention(store).version == 3


def test_content_hash_is_stable_and_covers_every_stored_field() -> None:
    item = make_item()
    # Pinned: a changed hash function would make every stored mention look edited (migration
    # 0002 rehashes stored rows with this same formula).
    assert mentions.content_hash(item) == (
        "3318bf906b340edb39de9d7e54aa437cb8e130608472711cd3c7d89a20d2a861"
    )
    assert mentions.content_hash(replace(item, rating=5)) == mentions.content_hash(item)
    # The same instant in another zone is the same publication time.
    assert item.published_at is not None
    in_london = item.published_at.astimezone(ZoneInfo("Europe/London"))
    assert mentions.content_hash(replace(item, published_at=in_london)) == (
        mentions.content_hash(item)
    )
    changed = [
        replace(item, text=item.text + "!"),
        replace(item, title="Title"),
        replace(item, rating=4.0),
        replace(item, url="https://example.org/other"),
        replace(item, author="Someone else"),
        replace(item, published_at=item.published_at + timedelta(minutes=1)),
        replace(item, parent_external_id="thread-1"),
        replace(item, extra={"reply": {"comment": "Thank you for your review"}}),
        replace(item, visibility=Visibility.HIDDEN),
        replace(item, visibility=Visibility.REMOVED),
        replace(item, facts=FACTS),
        replace(item, facts=replace(FACTS, reverted=True)),
    ]
    hashes = {mentions.content_hash(other) for other in changed}
    assert len(hashes) == len(changed)
    assert mentions.content_hash(item) not in hashes


FACTS = RevisionFacts(
    editor=EditorKind.TEMPORARY,
    size_delta=-4200,
    bytes_removed=4200,
    removed_share=0.6,
    blanking=False,
    replaced=False,
    offensive_words=("liar",),
    is_revert=False,
    reverted=False,
    revert_risk=0.91,
)


STORED_FACTS = {
    "kind": "revision",
    "editor": "temporary",
    "size_delta": -4200,
    "bytes_removed": 4200,
    "removed_share": 0.6,
    "blanking": False,
    "replaced": False,
    "offensive_words": ["liar"],
    "is_revert": False,
    "reverted": False,
    "revert_risk": 0.91,
}


def test_typed_facts_are_stored_under_one_key_and_read_back_typed(store: Store) -> None:
    revision = make_item("1255", item_type="revision", rating=None, extra={"revid": 1255})
    with store.transaction() as tx:
        store_item(tx, replace(revision, facts=FACTS))
        store_item(tx, make_item("r2"))
    with store.transaction(read_only=True) as tx:
        stored = {m.external_id: m for m in mention_reading.list_mentions(tx)}
        raw = tx.connection.execute(sa.select(schema.mention.c.extra)).scalars().all()
    assert stored["1255"].facts == FACTS
    assert stored["1255"].extra == {"revid": 1255}
    assert stored["r2"].facts is None  # no facts handed on: None, said so
    assert {"revid": 1255, "facts": STORED_FACTS} in raw  # one key, plain JSON


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        ({"revert_risk": None}, "revert_risk: Field required"),  # a field lost
        ({"editor": "sockpuppet"}, "editor: Input should be"),  # a value no editor kind has
        ({"bytes_removed": "4200"}, "bytes_removed: Input should be a valid integer"),
        ({"reverted": True, "was_reverted": True}, "was_reverted: Unexpected"),  # a renamed one
        ({"kind": "wikidata"}, "stored facts of no known kind"),
    ],
)
def test_stored_facts_that_do_not_validate_are_a_clear_error(
    store: Store, broken: dict[str, Any], problem: str
) -> None:
    revision = make_item("1255", item_type="revision", rating=None, facts=FACTS)
    with store.transaction() as tx:
        mention_id = store_item(tx, revision).mention_id
        stored = dict(tx.connection.execute(sa.select(schema.mention.c.extra)).scalar_one())
        facts = {**stored["facts"], **broken}
        if broken.get("revert_risk", 0) is None:
            del facts["revert_risk"]
        tx.connection.execute(sa.update(schema.mention).values(extra={**stored, "facts": facts}))
    with store.transaction(read_only=True) as tx, pytest.raises(StorageError) as raised:
        mention_reading.list_mentions(tx)
    assert str(raised.value).startswith(f"mention {mention_id}: ")
    assert problem in str(raised.value)


def test_existing_hashes_reports_only_stored_ids_of_that_source(store: Store) -> None:
    stored = [make_item("r1"), make_item("r2")]
    with store.transaction() as tx:
        for item in stored:
            store_item(tx, item)
        store_item(tx, make_item("r3"), source="other")
    wanted = ["r1", "r2", "r3"] + [f"missing-{number}" for number in range(1200)]
    with store.transaction(read_only=True) as tx:
        found = mentions.existing_hashes(tx, "google", wanted)
    assert found == {item.external_id: mentions.content_hash(item) for item in stored}


def test_datetimes_come_back_aware_utc_whatever_zone_went_in(store: Store) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    published = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=india)
    with store.transaction() as tx:
        store_item(tx, make_item(published_at=published), now=NOW.astimezone(india))
    stored = only_mention(store)
    assert stored.published_at == published
    assert stored.published_at is not None and stored.published_at.tzinfo is UTC
    assert stored.first_seen_at == NOW
    assert stored.first_seen_at.tzinfo is UTC


def test_postgres_session_time_zone_does_not_leak_into_results(postgres_url: str) -> None:
    with Store.open(postgres_url) as store:
        with store.transaction() as tx:
            store_item(tx, make_item())
        with store.transaction() as tx:
            tx.connection.exec_driver_sql("SET LOCAL TIME ZONE 'America/New_York'")
            [stored] = mention_reading.list_mentions(tx)
    assert stored.first_seen_at == NOW
    assert stored.first_seen_at.tzinfo is UTC


def test_a_naive_datetime_is_refused(store: Store) -> None:
    with pytest.raises(StorageError, match="naive datetime"):
        with store.transaction() as tx:
            store_item(tx, make_item(), now=NOW.replace(tzinfo=None))


def text_expiry(store: Store, external_id: str) -> datetime | None:
    with store.transaction(read_only=True) as tx:
        expiry: datetime | None = tx.connection.execute(
            sa.select(schema.mention.c.text_expires_at).where(
                schema.mention.c.external_id == external_id
            )
        ).scalar_one()
    return expiry


def test_text_expiry_counts_from_publication_or_else_first_sight(store: Store) -> None:
    with store.transaction() as tx:
        store_item(tx, make_item("dated", retain_text_days=30))
        store_item(tx, make_item("undated", published_at=None, retain_text_days=30))
        store_item(tx, make_item("kept"))
    assert text_expiry(store, "dated") == NOW - 24 * HOUR + timedelta(days=30)
    assert text_expiry(store, "undated") == NOW + timedelta(days=30)
    assert text_expiry(store, "kept") is None


def test_baseline_flag_is_cleared_by_a_live_edit_of_its_words(store: Store) -> None:
    with store.transaction() as tx:
        for name in ("kept", "edited in a baseline", "edited live", "moved live"):
            store_item(tx, make_item(name), baseline=True)
        store_item(tx, make_item("live"), baseline=False)
    with store.transaction() as tx:
        store_item(tx, make_item("edited in a baseline", text="edited"), baseline=True)
        store_item(tx, make_item("edited live", text="edited"), baseline=False)
        store_item(tx, make_item("live", text="edited"), baseline=True)
        # Only its link changed: the same words are still history, as the rules judge them.
        moved = make_item("moved live", url="https://example.org/2026/moved")
        assert store_item(tx, moved, baseline=False).status == "updated"
    with store.transaction(read_only=True) as tx:
        flags = {found.external_id: found.baseline for found in mention_reading.list_mentions(tx)}
    assert flags == {
        "kept": True,
        "edited in a baseline": True,
        "edited live": False,
        "moved live": True,
        "live": False,
    }


@pytest.fixture
def varied(store: Store) -> Store:
    """Five mentions over two sources, published an hour apart, one undated, with labels."""
    with store.transaction() as tx:
        store_item(tx, make_item("old", published_at=NOW - 5 * HOUR), labels=["negative"])
        store_item(tx, make_item("mid", published_at=NOW - 3 * HOUR), labels=["praise"])
        store_item(tx, make_item("new", published_at=NOW - HOUR), labels=["negative", "urgent"])
        store_item(tx, make_item("undated", published_at=None), labels=["negatives"])
        store_item(
            tx, make_item("wiki", item_type="revision", published_at=NOW - 2 * HOUR), source="wiki"
        )
    return store


def listed(store: Store, **filters: Any) -> list[str]:
    with store.transaction(read_only=True) as tx:
        return [found.external_id for found in mention_reading.list_mentions(tx, **filters)]


def test_list_mentions_is_newest_first_with_undated_ones_by_first_sight(varied: Store) -> None:
    assert listed(varied) == ["undated", "new", "wiki", "mid", "old"]


def test_list_mentions_filters_combine(varied: Store) -> None:
    assert listed(varied, source="wiki") == ["wiki"]
    assert listed(varied, source="google", limit=2) == ["undated", "new"]
    assert listed(varied, since=NOW - 3 * HOUR) == ["undated", "new", "wiki", "mid"]
    assert listed(varied, label="negative") == ["new", "old"]
    assert listed(varied, label="negative", since=NOW - 2 * HOUR) == ["new"]
    assert listed(varied, label="nothing") == []


def test_list_mentions_search_is_any_case_and_literal(store: Store) -> None:
    """`search` finds title, text or author in any case; "%" and "_" match only themselves."""
    with store.transaction() as tx:
        store_item(tx, make_item("percent", text="Only 50% of pupils passed"))
        store_item(tx, make_item("fifty", text="50 pupils in the hall"))
        store_item(tx, make_item("underscore", text="a snake_case name"))
        store_item(tx, make_item("title", title="BULLYING at the gates", text="See the title"))
        store_item(tx, make_item("author", author="Mrs Percival", text="Signed"))
    # Unescaped, "50%" would match "50 pupils" and "e_c" would match "percent" ("erc").
    assert listed(store, search="50%") == ["percent"]
    assert listed(store, search="e_c") == ["underscore"]
    assert listed(store, search="bullying") == ["title"]
    assert listed(store, search="PERCIVAL") == ["author"]
    assert listed(store, search="pupils", source="google", limit=1) == ["fifty"]


def test_count_by_source(varied: Store) -> None:
    with varied.transaction(read_only=True) as tx:
        assert mention_reading.count_by_source(tx) == {"google": 4, "wiki": 1}
