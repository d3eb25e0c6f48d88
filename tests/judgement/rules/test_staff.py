"""staff_named: urgent in a negative mention, normal in a kind one, at its threshold; its traps."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config.settings import load
from monitor.judgement.rules import Rules
from monitor.model import Severity
from tests.configs import write_config
from tests.judgement.rules.support import candidate, raised


def test_staff_named_in_a_negative_mention_is_urgent(rules: Rules) -> None:
    evaluation = rules.evaluate(
        candidate("The office is polite. Mrs Example shouted at my son and humiliated him.")
    )
    assert raised(evaluation)["staff_named"] == Severity.URGENT
    summary = next(a.summary for a in evaluation.alerts if a.rule == "staff_named")
    assert summary.startswith("names a member of staff (Mrs Hazel Example)")
    assert "worst sentence −0." in summary and "'Mrs Example shouted" in summary
    assert evaluation.severity == Severity.URGENT
    assert "negative" not in raised(evaluation)  # staff_named already says it


def test_staff_named_in_a_kind_mention_is_normal(rules: Rules) -> None:
    evaluation = rules.evaluate(candidate("Mr E. and Mrs Rose ran a wonderful nativity."))
    assert raised(evaluation)["staff_named"] == Severity.NORMAL
    summary = next(a.summary for a in evaluation.alerts if a.rule == "staff_named")
    assert "Mr E." in summary and "Mrs Rose" in summary
    assert "praise" not in raised(evaluation)  # praise stands down when another rule matched


def rules_with(directory: Path, alerts: str) -> Rules:
    """The rules of a config with these [alerts] lines and Mrs Rose on the staff."""
    path = write_config(
        directory,
        storage_url=f"sqlite:///{directory / 'monitor.db'}",
        sources={},
        staff=("Mrs Rose",),
        extra=f"[alerts]\n{alerts}\n",
    )
    return Rules.from_config(load(path))


def test_staff_named_is_urgent_at_the_threshold_and_normal_just_above(tmp_path: Path) -> None:
    mildly = candidate("Mrs Rose forgot the homework, annoying.")
    assert mildly.sentiment is not None
    score = min(mildly.sentiment.compound, mildly.sentiment.most_negative)
    assert -0.5 < score < 0
    # The label alone makes it urgent (below); here the tone model never says negative, so
    # only VADER's threshold decides.
    never = "\n[sentiment]\nnegative_probability = 1.0"
    at = rules_with(tmp_path, f"staff_negative_threshold = {score}{never}")
    assert raised(at.evaluate(mildly)) == {"staff_named": Severity.URGENT}
    # VADER scores have four decimals: the score is now just above the threshold.
    below = rules_with(tmp_path, f"staff_negative_threshold = {score - 0.0001:.4f}{never}")
    assert raised(below.evaluate(mildly)) == {"staff_named": Severity.NORMAL}


def test_staff_named_is_urgent_when_labelled_negative_whatever_vader_says(
    tmp_path: Path,
) -> None:
    """A complaint without an emotive word names the teacher: the label makes it urgent."""
    quiet = candidate("Mrs Rose has still not marked a single piece of homework since September.")
    assert quiet.sentiment is not None and quiet.sentiment.p_negative is not None
    assert quiet.sentiment.p_negative >= 0.35  # labelled negative by the tone model
    rules = rules_with(tmp_path, "staff_negative_threshold = -1.0")  # VADER never decides
    evaluation = rules.evaluate(quiet)
    assert raised(evaluation) == {"staff_named": Severity.URGENT}
    assert "negative" in evaluation.labels


@pytest.mark.parametrize(
    "text",
    [
        "The rose garden was planted by the PTA.",
        "I miss the old playground.",
        "We read Mr Men books in Reception.",
        "Mr and Mrs are written on the wedding cake.",
    ],
)
def test_staff_traps(rules: Rules, text: str) -> None:
    evaluation = rules.evaluate(candidate(text))
    assert "staff_named" not in raised(evaluation)
    assert "staff_named" not in evaluation.labels


def test_staff_by_title_and_surname_even_unconfigured(rules: Rules) -> None:
    """Someone not in [school] staff, named by title: high when negative, never urgent."""
    evaluation = rules.evaluate(candidate("mr jones ignored my emails."))
    assert raised(evaluation)["staff_named"] == Severity.HIGH
    summary = next(a.summary for a in evaluation.alerts if a.rule == "staff_named")
    assert summary.startswith("names someone by title (mr jones), not in [school] staff")
    configured = rules.evaluate(candidate("Mrs Example ignored my emails, shocking."))
    assert raised(configured)["staff_named"] == Severity.URGENT
