"""One word matcher for school names, offensive words and the rules' lists."""

from __future__ import annotations

from sources.common.words import AliasMatcher, OffensiveWords, WordMatcher, normalise


def test_whole_words_only_ignoring_case_spacing_and_typographic_apostrophes() -> None:
    matcher = AliasMatcher(["St Example's", "Calcot Infant School"])
    assert matcher.matches("We love ST  EXAMPLE’S!")
    assert matcher.matches(None, "calcot infant school fair")
    assert not matcher.matches("Calcot Infant Schools")  # another word
    assert not matcher.matches("St Examples")


def test_longest_phrase_wins_and_each_is_found_once() -> None:
    matcher = WordMatcher(["Calcot", "Calcot Infant School"])
    assert matcher.find("Calcot Infant School and calcot", "CALCOT") == [
        "calcot",
        "calcot infant school",
    ]


def test_word_boundary_traps() -> None:
    words = OffensiveWords(["ass", "gay"])
    assert words.find("A classic class; Scunthorpe assesses") == []
    assert words.find("gay-friendly school") == []  # a hyphenated compound is another word
    assert words.find("what an ass") == ["ass"]


def test_an_empty_list_matches_nothing() -> None:
    assert not WordMatcher([])
    assert WordMatcher([" "]).find("anything") == []
    assert normalise("  Mrs\u00a0O’Neil ") == "mrs o'neil"
