"""School names as parents write them: apostrophes, plurals, capitals; near misses do not count."""

from __future__ import annotations

import pytest

from sources.common.words import WordMatcher
from sources.mumsnet.discovery import school_matcher
from tests.sources.mumsnet.support import ALIASES


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("Calcot Infants - new head??", True),
        ("Calcot Juniors’ SATs results", True),
        ("calcot infant's nativity", True),
        ("CALCOT JUNIOR SCHOOL uniform", True),
        ("the Calcot Schools federation", True),
        ("Moving to Calcot area - which schools?", False),
        ("Calcott Hall farm trip", False),
        ("Calcot Infantry museum", False),
    ],
)
def test_school_names_match_as_parents_write_them(text: str, matches: bool) -> None:
    assert school_matcher(ALIASES).matches(text) is matches


def test_plain_word_matching_is_unchanged_without_inflection() -> None:
    assert not WordMatcher(["Calcot Infant"]).matches("Calcot Infants")
    assert WordMatcher(["Calcot Infant"], inflected=True).matches("Calcot Infants")
    assert WordMatcher(["St Example's"], inflected=True).find("st examples gate") == ["st examples"]
