"""Alerts in storage: once per dedupe key, status, the append-only incident log and its export."""

from __future__ import annotations

from datetime import timedelta

from monitor.model import AlertAction, AlertDraft, AlertStatus, Severity
from storage import alerts, mention_reading, mentions
from storage.alerts import NewAlert
from storage.database import Store, Transaction
from tests.storage.factories import HOUR, NOW, make_item, make_sentiment


def stored_mention(tx: Transaction, external_id: str = "r1") -> int:
    outcome = mentions.add_or_update(
        tx,
        source="google",
        source_type="google_places",
        item=make_item(external_id),
        sentiment=make_sentiment(-0.7),
        labels=["negative"],
        now=NOW,
        baseline=False,
    )
    return outcome.mention_id


def draft(rule: str = "negative", key: str = "negative:google:r1") -> AlertDraft:
    return AlertDraft(rule, Severity.NORMAL, f"{rule} summary", key, "google")


def test_one_alert_per_key_across_repeated_adds(store: Store) -> None:
    with store.transaction() as tx:
        mention_id = stored_mention(tx)
        first = alerts.add_many(tx, [NewAlert(draft(), mention_id)], NOW)
        again = alerts.add_many(
            tx, [NewAlert(draft(), mention_id), NewAlert(draft("praise", "p:1"), mention_id)], NOW
        )
    assert [a.rule for a in first] == ["negative"]
    assert [a.rule for a in again] == ["praise"]
    with store.transaction(read_only=True) as tx:
        assert len(alerts.list_alerts(tx)) == 2


def test_a_dismissed_alert_keeps_its_key(store: Store) -> None:
    with store.transaction() as tx:
        mention_id = stored_mention(tx)
        [raised] = alerts.add_many(tx, [NewAlert(draft(), mention_id)], NOW)
        alerts.set_status(tx, raised.id, AlertStatus.DISMISSED)
    with store.transaction() as tx:
        assert alerts.add_many(tx, [NewAlert(draft(), mention_id)], NOW + HOUR) == []
        assert alerts.get(tx, raised.id).status == AlertStatus.DISMISSED  # type: ignore[union-attr]


def test_list_filters_by_status_newest_first(store: Store) -> None:
    with store.transaction() as tx:
        mention_id = stored_mention(tx)
        older, newer = (
            alerts.add_many(tx, [NewAlert(draft(key=f"k{n}"), mention_id)], NOW + n * HOUR)[0]
            for n in (1, 2)
        )
        alerts.set_status(tx, older.id, AlertStatus.ACKNOWLEDGED)
    with store.transaction(read_only=True) as tx:
        assert [a.id for a in alerts.list_alerts(tx)] == [newer.id, older.id]
        assert [a.id for a in alerts.list_alerts(tx, [AlertStatus.OPEN])] == [newer.id]
        assert [a.id for a in alerts.list_alerts(tx, [AlertStatus.ACKNOWLEDGED])] == [older.id]
        assert alerts.count_by_status(tx) == {AlertStatus.OPEN: 1, AlertStatus.ACKNOWLEDGED: 1}
        assert alerts.get(tx, 9999) is None


def test_events_and_incident_export(store: Store) -> None:
    with store.transaction() as tx:
        mention_id = stored_mention(tx)
        [raised] = alerts.add_many(tx, [NewAlert(draft(), mention_id)], NOW)
        [health] = alerts.add_many(tx, [NewAlert(draft("source_health", "h:1"), None)], NOW)
        alerts.add_event(
            tx, raised.id, at=NOW + HOUR, actor="head", action=AlertAction.ACKNOWLEDGED, note=None
        )
        alerts.add_event(
            tx, raised.id, at=NOW + 2 * HOUR, actor="dsl", action=AlertAction.CONTACTED_POSH,
            note="advised to report",
        )  # fmt: skip
        alerts.add_event(
            tx, health.id, at=NOW + 3 * HOUR, actor="it", action=AlertAction.NOTE, note="token"
        )
    with store.transaction(read_only=True) as tx:
        history = alerts.events(tx, raised.id)
        exported = alerts.incidents(tx)
        later = alerts.incidents(tx, since=NOW + 2 * HOUR)
    assert [(e.actor, e.action, e.note) for e in history] == [
        ("head", AlertAction.ACKNOWLEDGED, None),
        ("dsl", AlertAction.CONTACTED_POSH, "advised to report"),
    ]
    assert history[0].at == NOW + HOUR
    assert [(i.event.alert_id, i.rule, i.severity, i.mention_url) for i in exported] == [
        (raised.id, "negative", Severity.NORMAL, "https://example.org/reviews/r1"),
        (raised.id, "negative", Severity.NORMAL, "https://example.org/reviews/r1"),
        (health.id, "source_health", Severity.NORMAL, None),
    ]
    assert [i.event.action for i in later] == [AlertAction.CONTACTED_POSH, AlertAction.NOTE]


def test_volume_counts_and_rescore_queries(store: Store) -> None:
    with store.transaction() as tx:
        mention_id = stored_mention(tx, "r1")  # published NOW - 24 h
        mentions.add_or_update(
            tx, source="google", source_type="google_places",
            item=make_item("r2", published_at=None), sentiment=None, labels=[], now=NOW,
            baseline=False,
        )  # fmt: skip
        mentions.update_scores(tx, mention_id, make_sentiment(0.9), ["positive"])
    with store.transaction(read_only=True) as tx:
        assert mentions.count_published(tx, NOW - 25 * HOUR, NOW + HOUR) == 2
        assert mentions.count_published(tx, NOW - timedelta(minutes=1), NOW + HOUR) == 1
        rescored = mentions.get(tx, mention_id)
        texts = mentions.stored_texts(tx, "google", ["r1", "r2", "nope"])
        assert [m.external_id for m in mentions.mentions_to_rescore(tx, None)] == ["r1", "r2"]
        assert mentions.mentions_to_rescore(tx, NOW + HOUR) == []
    assert rescored is not None and rescored.labels == ("positive",)
    assert rescored.sentiment == make_sentiment(0.9)
    assert rescored.version == 1  # a rescore is not an edit
    assert set(texts) == {"r1", "r2"} and texts["r1"].rating == 5.0


def test_lists_keep_what_is_about_any_of_several_schools(store: Store) -> None:
    """A web user limited to two schools: alerts, counts, incidents and mentions of either."""
    from storage import schools

    with store.transaction() as tx:
        ids = {name: stored_mention(tx, name) for name in ("infants", "juniors", "seniors")}
        schools.set_schools(tx, {mention_id: [name] for name, mention_id in ids.items()})
        raised = {
            name: alerts.add_many(
                tx, [NewAlert(draft(key=f"negative:google:{name}"), mention_id)], NOW
            )[0]
            for name, mention_id in ids.items()
        }
        alerts.add_many(tx, [NewAlert(draft("source_health", "h:1"), None)], NOW)
        for found in raised.values():
            alerts.add_event(tx, found.id, at=NOW, actor="head", action=AlertAction.NOTE, note=None)
    limit = ("infants", "juniors")
    where = alerts.AlertFilter(school=limit)
    with store.transaction(read_only=True) as tx:
        listed = alerts.list_alerts(tx, where=where)
        counted = alerts.count_by_status(tx, where)
        logged = alerts.incidents(tx, school=limit)
        about = mention_reading.list_mentions(tx, school=limit)
        by_source = mention_reading.count_by_source(tx, limit)
        visible = [schools.alert_exists_about(tx, a.id, limit) for a in raised.values()]
    assert sorted(a.schools for a in listed) == [("infants",), ("juniors",)]
    assert counted == {AlertStatus.OPEN: 2}
    assert sorted(i.event.alert_id for i in logged) == [raised["infants"].id, raised["juniors"].id]
    assert sorted(m.external_id for m in about) == ["infants", "juniors"]
    assert by_source == {"google": 2}
    assert visible == [True, True, False]
