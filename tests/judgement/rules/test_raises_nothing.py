"""What raises nothing: baselines, Facebook page posts, reply-only changes; dedupe keys."""

from __future__ import annotations

from monitor.judgement.rules import Rules
from storage.mentions import StoredText
from tests.judgement.rules.support import candidate, raised


def test_baseline_raises_nothing_but_is_labelled(rules: Rules) -> None:
    evaluation = rules.evaluate(
        candidate("Mrs Example is an absolute disgrace, awful.", baseline=True)
    )
    assert evaluation.alerts == ()
    assert "staff_named" in evaluation.labels and "negative" in evaluation.labels


def test_facebook_page_posts_are_never_alerted(rules: Rules) -> None:
    post = candidate(
        "Reminder: no school on Friday, sorry for the short notice. Shambles of a week!",
        item_type="post",
        source_type="facebook_page",
        extra={"by_page": True},
    )
    assert rules.evaluate(post).alerts == ()


def test_reply_only_change_raises_nothing(rules: Rules) -> None:
    text = "Awful school, avoid."
    before = StoredText(None, text, 1.0)
    review = candidate(
        text, item_type="review", rating=1, is_new=False, previous=before,
        extra={"reply": "We are sorry to hear this; please contact the office."},
    )  # fmt: skip
    assert rules.evaluate(review).alerts == ()
    changed = candidate(
        "Awful school, avoid. Mrs Example never replied.", item_type="review", rating=1,
        is_new=False, previous=before,
    )  # fmt: skip
    assert {"low_rating", "staff_named"} <= set(raised(rules.evaluate(changed)))


def test_dedupe_key_is_per_rule_and_mention(rules: Rules) -> None:
    evaluation = rules.evaluate(candidate("Mrs Example is a twat.", item_type="review", rating=1))
    keys = {alert.rule: alert.dedupe_key for alert in evaluation.alerts}
    assert keys["abusive"] == "abusive:src:x1"
    assert keys["staff_named"] == "staff_named:src:x1"
    assert len(set(keys.values())) == len(keys)
    assert [alert.severity for alert in evaluation.alerts] == sorted(
        (alert.severity for alert in evaluation.alerts), key=lambda s: s.rank
    )
