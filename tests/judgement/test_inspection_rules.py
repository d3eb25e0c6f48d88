"""ofsted_report and parent_view_fall: severity from the typed facts, falls on one scale only."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from monitor.config.settings import load
from monitor.judgement.rules import Candidate, Evaluation, Rules
from monitor.judgement.rules.inspection import fallen
from monitor.judgement.sentiment import SentimentScorer
from monitor.model import InspectionFacts, Item, ParentViewFacts, Severity
from tests.configs import write_config

SCORER = SentimentScorer()
CARD = InspectionFacts(
    report="Report card",
    inspection_start=date(2026, 2, 3),
    inspection_end=date(2026, 2, 4),
    grades=(("Inclusion", "Strong standard"), ("Achievement", "Expected standard")),
    safeguarding="Met",
    overall=None,
    category_of_concern=None,
    previous_grades=(),
    previous_overall=None,
    management_information=None,
)


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Rules:
    """The rules of a plain config."""
    directory = tmp_path_factory.mktemp("rules")
    path = write_config(directory, storage_url=f"sqlite:///{directory / 'm.db'}", sources={})
    return Rules.from_config(load(path))


def raised(evaluation: Evaluation) -> dict[str, Severity]:
    """rule -> severity of the alerts raised."""
    return {alert.rule: alert.severity for alert in evaluation.alerts}


def candidate(facts: InspectionFacts | ParentViewFacts, *, is_new: bool = True) -> Candidate:
    """A report mention whose text carries the words the word lists look for."""
    text = "Safeguarding: Not met. Abuse of the complaints policy was not found. Inadequate."
    item = Item("inspection:2026-02-03", "report", text, title="Ofsted Report card", facts=facts)
    return Candidate("ofsted", "ofsted", item, SCORER.score_item(item.title, text), is_new, False)


def test_a_new_report_is_high_and_only_the_inspection_rule_speaks(rules: Rules) -> None:
    # The text holds "abuse" and "Not met": the word and tone rules stand down for a report.
    assert raised(rules.evaluate(candidate(CARD))) == {"ofsted_report": Severity.HIGH}
    assert raised(rules.evaluate(candidate(CARD, is_new=False))) == {}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"safeguarding": "Not met"}, "safeguarding Not met"),
        ({"grades": (("Inclusion", "urgent  improvement"),)}, "Inclusion: urgent  improvement"),
        ({"category_of_concern": "Special measures"}, "category of concern: Special measures"),
    ],
)
def test_urgent_for_not_met_urgent_improvement_or_a_category_of_concern(
    rules: Rules,
    change: dict[str, object],
    reason: str,
) -> None:
    evaluation = rules.evaluate(candidate(replace(CARD, **change)))  # type: ignore[arg-type]
    [alert] = evaluation.alerts
    assert (alert.rule, alert.severity) == ("ofsted_report", Severity.URGENT)
    assert reason in alert.summary


def test_needs_attention_and_a_fallen_grade_are_named_at_high(rules: Rules) -> None:
    facts = replace(
        CARD,
        grades=(("Inclusion", "Needs attention"), ("Achievement", "Expected standard")),
        previous_grades=(("Inclusion", "Strong standard"), ("Achievement", "Expected standard")),
    )
    [alert] = rules.evaluate(candidate(facts)).alerts
    assert alert.severity == Severity.HIGH
    assert "Inclusion: Needs attention" in alert.summary
    assert "fell: Inclusion from Strong standard to Needs attention" in alert.summary


def test_grades_fall_only_on_their_own_scale() -> None:
    older = replace(CARD, grades=(), overall="Requires improvement", previous_overall="Good")
    assert fallen(older) == ["overall effectiveness from Good to Requires improvement"]
    # An older report's "Good" and a report card's "Expected standard" are not one scale.
    mixed = replace(CARD, previous_grades=(("Inclusion", "Good"),), previous_overall="Good")
    assert fallen(mixed) == []
    risen = replace(CARD, previous_grades=(("Achievement", "Needs attention"),))
    assert fallen(risen) == []


def test_parent_view_falls_of_ten_points_in_happy_safe_or_recommend(
    rules: Rules,
) -> None:
    before = (("happy", 87), ("safe", 91), ("communication", 90), ("recommend", 86))
    small = ParentViewFacts(90, None, (("happy", 78), ("safe", 91), ("recommend", 86)), before)
    assert raised(rules.evaluate(candidate(small))) == {}  # 9 points: not news
    other = ParentViewFacts(90, None, (("communication", 50),), before)
    assert raised(rules.evaluate(candidate(other))) == {}  # not a watched question
    fall = ParentViewFacts(90, None, (("happy", 87), ("recommend", 76)), before)
    [alert] = rules.evaluate(candidate(fall)).alerts
    assert (alert.rule, alert.severity) == ("parent_view_fall", Severity.HIGH)
    assert "would recommend the school 86% to 76%" in alert.summary
    first = ParentViewFacts(90, None, (("happy", 10),), ())
    assert raised(rules.evaluate(candidate(first))) == {}  # nothing to compare with
