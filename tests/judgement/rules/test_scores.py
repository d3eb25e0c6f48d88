"""Scores and ratings: low ratings, negative mentions, praise (not sarcasm), new threads."""

from __future__ import annotations

import pytest

from monitor.judgement.rules import Candidate, Rules
from monitor.model import Severity
from tests.judgement.rules.support import candidate, raised


@pytest.mark.parametrize(
    ("praised", "other"),
    [
        (  # kind words about a member of staff: staff_named says it
            candidate("The teachers ran a wonderful nativity, the children were brilliant!"),
            candidate("Mrs Rose ran a wonderful nativity, the children were brilliant!"),
        ),
        (  # a 5-star review that names her
            candidate("Lovely school.", item_type="review", rating=5),
            candidate("Mrs Rose is lovely.", item_type="review", rating=5),
        ),
        (  # a glowing new thread: new_thread says it
            candidate("Calcot Juniors is brilliant, the staff are wonderful and kind."),
            candidate(
                "Calcot Juniors is brilliant, the staff are wonderful and kind.",
                title="Calcot Juniors",
                item_type="thread",
            ),
        ),
    ],
    ids=["staff_named", "staff_named_in_a_five_star_review", "new_thread"],
)
def test_praise_stands_down_when_another_rule_matched(
    rules: Rules, praised: Candidate, other: Candidate
) -> None:
    """Text that is praise on its own (compound above the threshold, or 5 stars) is not thanked
    twice when another rule already reports the mention."""
    assert raised(rules.evaluate(praised)) == {"praise": Severity.INFO}
    evaluation = rules.evaluate(other)
    assert "praise" not in raised(evaluation)
    assert len(evaluation.alerts) == 1 and evaluation.alerts[0].rule in {
        "staff_named",
        "new_thread",
    }


def test_low_rating_is_high_and_named(rules: Rules) -> None:
    evaluation = rules.evaluate(candidate("", item_type="review", rating=1))
    assert raised(evaluation) == {"low_rating": Severity.HIGH}
    assert evaluation.alerts[0].summary == "1-star review (no text)"
    assert "low_rating" not in raised(rules.evaluate(candidate("ok", item_type="review", rating=3)))


def test_low_rating_is_two_stars_or_fewer(rules: Rules) -> None:
    two = rules.evaluate(candidate("", item_type="review", rating=2))
    assert raised(two) == {"low_rating": Severity.HIGH}
    assert two.alerts[0].summary == "2-star review (no text)"
    assert "low_rating" in two.labels
    three = rules.evaluate(candidate("", item_type="review", rating=3))
    assert three.alerts == () and "low_rating" not in three.labels


def test_negative_explains_itself(rules: Rules) -> None:
    evaluation = rules.evaluate(candidate("Total shambles, they have done nothing about it."))
    assert raised(evaluation) == {"negative": Severity.NORMAL}
    summary = evaluation.alerts[0].summary
    assert summary.startswith("negative (P(negative) 0.9")  # the tone model's chance
    assert "; compound −0.8" in summary and "why: 'shambles'" in summary
    assert summary.endswith("; 'Total shambles, they have done nothing about it.'")
    assert evaluation.labels == ("negative",)


def test_negative_from_the_worst_sentence_of_a_long_post(rules: Rules) -> None:
    text = (
        "We moved to Calcot Junior School in Year 3 and the class teacher is kind. Reading books "
        "come home every week. The after-school clubs are great fun and the staff are friendly. "
        "But the way the school handled my son being assaulted was an absolute disgrace."
    )
    evaluation = rules.evaluate(candidate(text))
    assert raised(evaluation) == {"safeguarding": Severity.URGENT}  # "assaulted"
    # The summary quotes the worst sentence; `negative` stands down for the more specific rule.
    assert evaluation.alerts[0].summary.endswith(
        "'But the way the school handled my son being assaulted was an absolute disgrace.'"
    )


def test_praise_is_info_to_acknowledge(rules: Rules) -> None:
    evaluation = rules.evaluate(candidate("The staff went the extra mile, we can't fault them!"))
    assert raised(evaluation) == {"praise": Severity.INFO}
    assert evaluation.alerts[0].summary.startswith("to acknowledge: praise, P(negative) 0.0")
    assert "why: 'went the extra mile'" in evaluation.alerts[0].summary
    five = rules.evaluate(candidate("", item_type="review", rating=5))
    assert raised(five) == {"praise": Severity.INFO}
    assert "praise" not in raised(rules.evaluate(candidate("It was fine.")))


def test_sarcasm_is_not_praise(rules: Rules) -> None:
    evaluation = rules.evaluate(
        candidate("Oh brilliant, another training day with two days' notice.")
    )
    assert "praise" not in raised(evaluation)


def test_new_thread_is_high(rules: Rules) -> None:
    thread = candidate("Anyone got kids at Calcot?", title="Calcot Juniors", item_type="thread")
    assert raised(rules.evaluate(thread))["new_thread"] == Severity.HIGH
    edited = candidate("Anyone?", title="Calcot Juniors", item_type="thread", is_new=False)
    assert "new_thread" not in raised(rules.evaluate(edited))
