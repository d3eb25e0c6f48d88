"""volume_spike: over k times the daily mean once a minimum is met, from stored counts."""

from __future__ import annotations

from datetime import timedelta

from monitor.judgement.rules import RuleContext, Rules, load_context
from monitor.model import Item, Severity
from storage import mentions
from storage.database import Store
from tests.judgement.rules.support import NOW, candidate


def test_volume_spike_once_over_k_times_the_mean(rules: Rules) -> None:
    context = RuleContext(now=NOW, last_day=3, daily_mean=1.0)
    spikes = []
    for _ in range(4):
        evaluation = rules.evaluate(
            candidate("The school is in the news.", published_at=NOW), context
        )
        spikes += [alert for alert in evaluation.alerts if alert.rule == "volume_spike"]
    # 4 mentions are below the minimum of 5; 5, 6 and 7 are more than 3 × 1.0: one key a day.
    assert [alert.summary.split(" ")[0] for alert in spikes] == ["5", "6", "7"]
    assert {alert.dedupe_key for alert in spikes} == {"volume_spike:2026-12-01"}
    assert spikes[0].severity == Severity.HIGH


def test_volume_spike_needs_more_than_k_times_the_mean_once_the_minimum_is_met(
    rules: Rules,
) -> None:
    # 2 a day usually: 3 × 2 = 6. Five stored already, so the minimum of 5 is met throughout.
    context = RuleContext(now=NOW, last_day=5, daily_mean=2.0)
    at_factor = rules.evaluate(candidate("The school is in the news.", published_at=NOW), context)
    assert at_factor.alerts == ()  # 6 is exactly 3 × the mean: not more
    over = rules.evaluate(candidate("The school is in the news.", published_at=NOW), context)
    [spike] = over.alerts
    assert spike.rule == "volume_spike"
    assert spike.summary.startswith("7 mentions in 24 h against 2.0 a day")


def test_volume_needs_a_minimum_and_ignores_old_news(rules: Rules) -> None:
    context = RuleContext(now=NOW, last_day=1, daily_mean=0.0)
    old = NOW - timedelta(days=30)
    for _ in range(10):
        assert rules.evaluate(candidate("News.", published_at=old), context).alerts == ()
    evaluation = rules.evaluate(candidate("News.", published_at=NOW), context)
    assert evaluation.alerts == ()  # 2 in 24 h: below the minimum of 5


def test_load_context_counts_stored_mentions_by_publication(database_url: str) -> None:
    with Store.open(database_url) as store, store.transaction() as tx:
        # 28 in the 28 days before the last 24 h (one a day), 2 in the last 24 h, 1 undated.
        days = [NOW - timedelta(days=1, hours=n * 24 - 12) for n in range(1, 29)]
        recent = [NOW - timedelta(hours=2), NOW - timedelta(hours=20)]
        for number, published in enumerate([*days, *recent, None]):
            mentions.add_or_update(
                tx, source="news", source_type="feed",
                item=Item(f"e{number}", "entry", "News.", published_at=published),
                sentiment=None, labels=[], now=NOW - timedelta(hours=1), baseline=number < 5,
            )  # fmt: skip
        context = load_context(tx, NOW)
    assert (context.last_day, context.daily_mean) == (3, 1.0)  # the undated one was seen today


def test_volume_spike_from_stored_counts(rules: Rules) -> None:
    context = RuleContext(now=NOW, last_day=3, daily_mean=1.0)
    first = rules.evaluate(candidate("News.", published_at=NOW), context)
    assert first.alerts == ()  # 4: not at the minimum of 5
    second = rules.evaluate(candidate("News.", published_at=NOW), context)
    [spike] = second.alerts
    assert spike.summary.startswith(
        "5 mentions in 24 h against 1.0 a day over the previous 28 days"
    )
    assert spike.source == "src"
