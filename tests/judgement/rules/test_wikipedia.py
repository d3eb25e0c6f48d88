"""wikipedia_vandalism: urgent on a vandal's edit, info once reverted, read from typed facts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from monitor.judgement.rules import Candidate, Rules
from monitor.model import EditorKind, Item, RevisionFacts, Severity
from tests.judgement.rules.support import candidate, raised

ORDINARY = RevisionFacts(
    editor=EditorKind.REGISTERED,
    size_delta=12,
    bytes_removed=0,
    removed_share=0.0,
    blanking=False,
    replaced=False,
    offensive_words=(),
    is_revert=False,
    reverted=False,
    revert_risk=None,
)


def revision(text: str = "Calcot Junior is a primary school in Calcot.", **facts: Any) -> Candidate:
    """A revision of the school's article: an ordinary edit but for `facts`."""
    return candidate(text, item_type="revision", facts=replace(ORDINARY, **facts))


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        ({"editor": EditorKind.TEMPORARY, "blanking": True}, "blanked the page"),
        (
            {"editor": EditorKind.ANONYMOUS, "bytes_removed": 4200, "removed_share": 0.6},
            "removed 4200",
        ),
        ({"editor": EditorKind.TEMPORARY, "replaced": True}, "replaced most of the page"),
        ({"offensive_words": ("poo",)}, "added offensive words 'poo'"),
        ({"revert_risk": 0.95}, "revert risk 0.95"),
    ],
)
def test_wikipedia_vandalism_is_urgent(rules: Rules, facts: dict[str, Any], reason: str) -> None:
    evaluation = rules.evaluate(revision(**facts))
    assert raised(evaluation)["wikipedia_vandalism"] == Severity.URGENT
    assert reason in evaluation.alerts[0].summary


@pytest.mark.parametrize(
    "facts",
    [
        {"editor": EditorKind.REGISTERED, "bytes_removed": 4200, "removed_share": 0.6},
        {"editor": EditorKind.TEMPORARY, "bytes_removed": 200, "removed_share": 0.02},  # small
        {"revert_risk": 0.5},
        {"revert_risk": None},
        {"editor": EditorKind.ANONYMOUS, "blanking": True, "is_revert": True},  # a revert
    ],
)
def test_wikipedia_ordinary_edits(rules: Rules, facts: dict[str, Any]) -> None:
    assert "wikipedia_vandalism" not in raised(rules.evaluate(revision(**facts)))


def test_wikipedia_already_reverted_is_info(rules: Rules) -> None:
    evaluation = rules.evaluate(revision(editor=EditorKind.TEMPORARY, blanking=True, reverted=True))
    assert raised(evaluation) == {"wikipedia_vandalism": Severity.INFO}
    assert evaluation.alerts[0].summary.endswith("(already reverted)")


def test_the_vandalism_rule_reads_typed_facts_not_extra(rules: Rules) -> None:
    # Keys in extra are the adapter's notes: they raise nothing, whatever they are called.
    loose = candidate(
        "Calcot Junior School is a primary school in Calcot.",
        item_type="revision",
        extra={"editor_kind": "temporary", "blanking": True, "offensive_words": ["poo"]},
    )
    assert raised(rules.evaluate(loose)) == {}
    known = "RevisionFacts, InspectionFacts, ParentViewFacts"
    with pytest.raises(TypeError, match=rf"Item\.facts must be one of {known}, not dict"):
        Item("x", "revision", "text", facts={"editor": "temporary"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"where Item\.facts are stored"):
        Item("x", "revision", "text", extra={"facts": {}})


def test_vandalism_names_the_words_so_abusive_and_negative_stand_down(rules: Rules) -> None:
    edit = revision(
        "The head is an idiot and a liar, this school is a shambles.",
        editor=EditorKind.ANONYMOUS, offensive_words=("idiot", "liar"),
    )  # fmt: skip
    assert raised(rules.evaluate(edit)) == {"wikipedia_vandalism": Severity.URGENT}
    reverted = revision(
        "Mrs Example is an idiot and a groomer.",
        editor=EditorKind.TEMPORARY, offensive_words=("idiot",), reverted=True,
    )  # fmt: skip
    # Already gone from the page: one info alert, no text rules.
    assert raised(rules.evaluate(reverted)) == {"wikipedia_vandalism": Severity.INFO}
