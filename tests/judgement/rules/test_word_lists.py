"""The word-list rules: safeguarding and extremism are urgent, abuse is high; their traps."""

from __future__ import annotations

import pytest

from monitor.judgement.rules import Rules
from monitor.model import Severity
from tests.judgement.rules.support import candidate, raised


@pytest.mark.parametrize(
    "text",
    [
        "My daughter told me a teaching assistant groomed her online.",
        "There is a child protection investigation at the juniors.",
        "Someone found a HIDDEN CAMERA in the changing room.",  # a configured word
        "A boy brought a knife into Year 6.",
        "My son has been self-harming and nobody at school noticed.",
    ],
)
def test_safeguarding_is_urgent(rules: Rules, text: str) -> None:
    assert raised(rules.evaluate(candidate(text)))["safeguarding"] == Severity.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "Ofsted found safeguarding to be effective.",  # bare "safeguarding" is a compliment
        "The children learnt to use a knife and fork at lunch.",
        "We had grape juice at the harvest festival.",  # "rape" inside a word
        "The therapist visits on Tuesdays.",  # "rapist" inside a word
        "Drugs awareness week starts on Monday.",
    ],
)
def test_safeguarding_traps(rules: Rules, text: str) -> None:
    assert "safeguarding" not in raised(rules.evaluate(candidate(text)))


@pytest.mark.parametrize(
    "text", ["The crisis meeting is at 6.", "Isisford is in Queensland.", "A basement class."]
)
def test_extremism_word_boundary_traps(rules: Rules, text: str) -> None:
    assert "extremism" not in raised(rules.evaluate(candidate(text)))


def test_extremism_is_urgent(rules: Rules) -> None:
    evaluation = rules.evaluate(candidate("Someone sprayed 'white power' on the school gates."))
    assert raised(evaluation)["extremism"] == Severity.URGENT
    assert "'white power'" in next(a.summary for a in evaluation.alerts if a.rule == "extremism")
    assert "extremism" not in raised(rules.evaluate(candidate("A history lesson on Rome.")))


@pytest.mark.parametrize(
    "text",
    [
        "We visited Scunthorpe on the school trip.",  # "cunt" inside a word
        "My son's class assembly was lovely.",  # "ass" inside "class"
        "The PE teacher passed the ball.",
        "Cocktail party for the PTA.",
    ],
)
def test_abusive_word_boundary_traps(rules: Rules, text: str) -> None:
    assert "abusive" not in raised(rules.evaluate(candidate(text)))


def test_abusive_is_high(rules: Rules) -> None:
    evaluation = rules.evaluate(candidate("The deputy is a total numpty and a twat."))
    assert raised(evaluation)["abusive"] == Severity.HIGH
    summary = next(a.summary for a in evaluation.alerts if a.rule == "abusive")
    assert "'numpty'" in summary and "'twat'" in summary
