"""Sentiment: VADER per sentence, weighted by length; the words that drove it; school phrases."""

from __future__ import annotations

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from monitor.sentiment import (
    MAX_WORDS,
    NEUTRAL,
    SentimentScorer,
    default_scorer,
    score,
    split_sentences,
)

OFSTED = "Ofsted said the school requires improvement."


@pytest.fixture(scope="module")
def scorer() -> SentimentScorer:
    """Plain VADER, built once for the module (loading its lexicon is the slow part)."""
    return SentimentScorer()


@pytest.fixture(scope="module")
def school_scorer() -> SentimentScorer:
    """VADER with the shipped config's Ofsted phrases."""
    return SentimentScorer({"requires improvement": -2.0, "special measures": -2.5})


def test_clearly_negative(scorer: SentimentScorer) -> None:
    result = scorer.score(
        "The headteacher ignored our complaints and the bullying got worse. "
        "Terrible communication from the office."
    )
    assert result.compound < -0.5
    assert result.neg > result.pos == 0.0
    assert result.most_negative_sentence == (
        "The headteacher ignored our complaints and the bullying got worse."
    )
    assert result.words[0] == "bullying"
    assert {"worse", "terrible"} <= set(result.words)


def test_clearly_positive(scorer: SentimentScorer) -> None:
    result = scorer.score("Wonderful, caring teachers and my daughter loves going to school!")
    assert result.compound > 0.5
    assert result.pos > result.neg == 0.0
    assert set(result.words) == {"wonderful", "caring", "loves"}


def test_neutral(scorer: SentimentScorer) -> None:
    result = scorer.score("The school will be closed on Friday for staff training.")
    assert (result.compound, result.pos, result.neu, result.neg) == (0.0, 0.0, 1.0, 0.0)
    assert result.words == ()


def test_one_very_negative_sentence_in_a_long_calm_text(scorer: SentimentScorer) -> None:
    worst = (
        "But the way the school handled my son being assaulted by another pupil was an absolute"
        " disgrace, he was terrified."
    )
    text = (
        "We moved to Calcot Junior School in Year 3 and the class teacher is kind.\n"
        "Reading books come home every week and homework is set on Fridays. The after-school"
        " clubs run until half past four and the playground was resurfaced last summer.\n"
        f"{worst}\nParents evening is in March."
    )
    result = scorer.score(text)
    assert result.most_negative_sentence == worst
    assert result.most_negative < -0.9
    assert -0.5 < result.compound < 0  # mildly negative: the long calm sentences outweigh it
    assert set(result.words) == {"assaulted", "disgrace", "terrified"}


def test_sentences_are_weighted_by_length(scorer: SentimentScorer) -> None:
    short_bad = "Awful."
    long_calm = "The children walked to the library on Tuesday with their class teacher."
    result = scorer.score(f"{short_bad} {long_calm}")
    alone = scorer.score(short_bad).compound
    assert result.compound == pytest.approx(alone * 1 / 13, abs=1e-4)
    assert result.most_negative == alone


def test_capitals_and_exclamation_marks_count(scorer: SentimentScorer) -> None:
    assert scorer.score("The school trip was GOOD!!!").compound > (
        scorer.score("The school trip was good.").compound
    )
    assert scorer.score("The lunches are AWFUL!!!").compound < (
        scorer.score("The lunches are awful.").compound
    )


def test_emoji_count(scorer: SentimentScorer) -> None:
    plain = scorer.score("My son's first day at school")
    crying = scorer.score("My son's first day at school 😢")
    assert plain.compound == 0.0
    assert crying.compound < -0.3
    assert crying.words == ("😢",)
    assert scorer.score("Sports day was brilliant 😍").compound > (
        scorer.score("Sports day was brilliant").compound
    )
    # The variation selector that asks for the emoji glyph must not hide the heart.
    assert scorer.score("We love this school ❤️").compound == (
        scorer.score("We love this school ❤").compound
    )


def test_requires_improvement_override(
    scorer: SentimentScorer, school_scorer: SentimentScorer
) -> None:
    # Plain VADER reads praise in "improvement"; the configured phrase turns it around.
    assert scorer.score(OFSTED).compound > 0
    result = school_scorer.score(OFSTED)
    assert result.compound < -0.3
    assert result.words == ("requires improvement",)
    assert result.most_negative_sentence == OFSTED  # shown as written, not as the joined token
    shouted = school_scorer.score("Ofsted said the school REQUIRES  IMPROVEMENT!!!")
    assert shouted.compound < result.compound
    assert shouted.words == ("requires improvement",)
    # A phrase is matched as whole words only.
    assert school_scorer.score("It requires improvements.").words == ("improvements",)


def test_single_word_overrides() -> None:
    calm = SentimentScorer({"Chaotic": 0.0, "ofsted": -1.0})
    assert calm.score("Pickup is chaotic.").compound == 0.0
    assert calm.score("Ofsted visited.").words == ("ofsted",)


def test_words_are_the_strongest_drivers_capped(scorer: SentimentScorer) -> None:
    result = scorer.score(
        "Abuse, neglect, hate, misery, terror, cruelty, torture, murder, violence, sad and angry."
    )
    assert len(result.words) == MAX_WORDS
    assert result.words[0] == "murder"  # -3.7, the strongest word in VADER's lexicon here
    assert "sad" not in result.words


def test_words_follow_the_sign_of_the_score(scorer: SentimentScorer) -> None:
    result = scorer.score("Lovely, kind, wonderful staff. Parking is annoying.")
    assert result.compound > 0
    assert "annoying" not in result.words and "wonderful" in result.words
    assert result.most_negative_sentence == "Parking is annoying."


@pytest.mark.parametrize("text", ["", "   ", "\n\n", " \t\n "])
def test_empty_text_is_neutral_zeros(scorer: SentimentScorer, text: str) -> None:
    assert scorer.score(text) == NEUTRAL
    assert NEUTRAL.compound == NEUTRAL.neu == 0.0 and NEUTRAL.words == ()


@pytest.mark.parametrize(
    "sentence",
    [
        "The school trip was GOOD!!!",
        "Not good at all, but the teachers are kind.",
        "The lunches are kind of awful??",
        "Honestly, the lunches are really awful???",
        "My son's first day at school 😢",
        "No one listens :( and nothing is ever done",
        "The head is never so helpful, without doubt the least caring",
    ],
)
def test_each_sentence_scores_exactly_as_vader(scorer: SentimentScorer, sentence: str) -> None:
    # The scorer repeats polarity_scores step by step to see each word's part: it must agree.
    expected = SentimentIntensityAnalyzer().polarity_scores(sentence)
    result = scorer.score(sentence)
    assert (result.compound, result.pos, result.neu, result.neg) == (
        expected["compound"], expected["pos"], expected["neu"], expected["neg"],
    )  # fmt: skip


def test_module_score_uses_one_default_scorer() -> None:
    assert default_scorer() is default_scorer()
    assert score(OFSTED) == default_scorer().score(OFSTED)
    assert score("Terrible.").compound < 0


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Dr. Smith and Mrs. Jones were lovely. The office was not.",
            ["Dr. Smith and Mrs. Jones were lovely.", "The office was not."],
        ),
        (
            "We waited... and waited. Nothing... Then a letter came",
            ["We waited... and waited.", "Nothing...", "Then a letter came"],
        ),
        ("Great school! 😊 Lovely staff.", ["Great school! 😊", "Lovely staff."]),
        ("Great school 😊 Lovely staff", ["Great school 😊", "Lovely staff"]),
        ("first line\nsecond line\r\n\nthird", ["first line", "second line", "third"]),
        ("no punctuation at all here", ["no punctuation at all here"]),
        ("terrible. avoid", ["terrible.", "avoid"]),
        ("Is it safe?! I doubt it", ["Is it safe?!", "I doubt it"]),
        ('She said "never again." Then left', ['She said "never again."', "Then left"]),
        (
            "Kit, bags etc. are named. J. Smith agreed",
            ["Kit, bags etc. are named.", "J. Smith agreed"],
        ),
        ("Fees rose 3.5 percent. Why", ["Fees rose 3.5 percent.", "Why"]),
        ("", []),
    ],
)
def test_sentence_splitting(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences
