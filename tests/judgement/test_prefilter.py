"""Alternatives tried only where their literals occur behave exactly as the joined pattern."""

from __future__ import annotations

import re

import pytest

from benchmarks.sentiment import DEV, read_old_set, read_school_talk
from monitor.judgement.prefilter import Alternatives, required_literals, top_level_alternatives
from monitor.judgement.sentiment import SentimentScorer, split_sentences


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"\bno\s+reply\b", {"reply"}),
        (r"\b(?:never|not)\s+(?:once\s+)?marked\b", {"marked"}),
        (r"\b(?:sad|gutted)\s+to\s+leave\b", {"leave"}),
        (r"\b(?-i:Miss)\s+[A-Z]\w+", {"miss"}),
        (r"^\W*(?:genius|right)\W*$", {"genius", "right"}),
        (r"\bwould\s+(?:\w+\s+)?be\b", {"would"}),
        (r"xyz(?:abc)?", None),  # not at a word start: could be inside any word
        (r"\b(?:a|an)\b", None),  # too short to rule anything out
    ],
)
def test_required_literals(pattern: str, literals: set[str] | None) -> None:
    found = required_literals(pattern, re.I | re.M)
    assert (set(found) if found is not None else None) == literals


def test_top_level_alternatives_cut_only_outside_groups_and_classes() -> None:
    assert top_level_alternatives(r"a|(b|c)|[|]|d\|e") == ["a", "(b|c)", "[|]", r"d\|e"]


def test_selective_search_replaces_exactly_as_the_joined_pattern() -> None:
    scorer = SentimentScorer()
    texts = [example.text for example in (*read_school_talk(DEV), *read_old_set())]
    checked = 0
    for patterns, token in (
        (scorer._constructions, scorer._construction_token),
        (scorer._phrases, scorer._phrase_token),
    ):
        assert isinstance(patterns, Alternatives)
        full = patterns.full()
        for text in texts:
            for sentence in split_sentences(text):
                assert patterns.sub(token, sentence) == full.sub(token, sentence)
                checked += 1
    assert checked > 1000
