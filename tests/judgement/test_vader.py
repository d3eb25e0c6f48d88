"""Our copies of VADER's steps give what VADER's own code gives, to the last bit and type."""

from __future__ import annotations

import math
import random
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer, SentiText

from monitor.judgement.sentiment import split_sentences
from monitor.judgement.vader import punctuation_emphasis, scores, tokens, word_valence

ANALYZER = SentimentIntensityAnalyzer()
LABELLED = Path(__file__).parents[1] / "data" / "school_sentiment.tsv"


def _exactly(value: float) -> tuple[type, float, float]:
    """A valence with its type and the sign of a zero: what `==` alone would not tell apart."""
    return (type(value), value, math.copysign(1.0, value))


def _check(words: list[str], shouting: bool) -> int:
    """Every lexicon word of `words` valued by both; returns how many were compared."""
    lowered = [word.lower() for word in words]
    sentence = SentiText("x")
    sentence.words_and_emoticons = words
    sentence.is_cap_diff = shouting
    compared = 0
    for index, lower in enumerate(lowered):
        if lower in ANALYZER.lexicon:
            (vader,) = ANALYZER.sentiment_valence(0, sentence, words[index], index, [])
            ours = word_valence(ANALYZER.lexicon, words, lowered, index, shouting)
            assert _exactly(ours) == _exactly(vader), (words, index, shouting)
            compared += 1
    return compared


def _labelled_lines() -> list[str]:
    lines = LABELLED.read_text("utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_every_lexicon_word_of_the_labelled_texts() -> None:
    compared = 0
    for line in _labelled_lines():
        for sentence in split_sentences(line.split("\t", 2)[2]):
            text = SentiText(sentence)
            compared += _check(text.words_and_emoticons, text.is_cap_diff)
    assert compared > 150


def test_windows_built_to_reach_every_rule() -> None:
    """Negations (and "n't" outside VADER's list), "no" before a word, boosters near and far,
    "never so", "without doubt", "least" and "at least", the idioms and two-word boosters,
    capitals: a small vocabulary in random order, so each rule is met many times."""
    vocabulary = [
        *"no not never nor or so this without doubt least at very kind of sort the".split(),
        *"needn't wouldn't'd extremely VERY NOT bus yeah kiss to for beating".split(),
        *"good bad GOOD shit bomb stop right death die heart ass happy".split(),
    ]
    rng = random.Random(18)
    compared = 0
    for _ in range(20_000):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(2, 6))]
        compared += _check(words, rng.random() < 0.5)
    assert compared > 20_000


def test_tokens_are_sentitext_s_of_the_sentences_joined() -> None:
    """Words stripped of punctuation unless an emoticon is left, capitals of some words but not
    all, and how many tokens each sentence has: on lines built of words, punctuation, emoticons
    and capitals, and on the labelled texts' sentences."""
    pieces = ["Good", "GOOD", "no", ":)", ":-(", "...", "!!", "'s", "x", "ok,", "(the", "end)"]
    pieces += ["I", "A+", "--", "don't", "\u2019tis", "😊", "café!", "\t", "  "]
    rng = random.Random(18)
    texts = [line.split("\t", 2)[2] for line in _labelled_lines()]
    samples = [split_sentences(text) for text in texts]
    for _ in range(3000):
        samples.append(
            [
                " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 5)))
                for _ in range(rng.randint(1, 3))
            ]
        )
    for sentences in samples:
        vader = SentiText(" ".join(sentences))
        ours = tokens(sentences)
        assert (ours.words, ours.shouting) == (vader.words_and_emoticons, vader.is_cap_diff)
        assert ours.lengths == [len(sentence.split()) for sentence in sentences]


def test_scores_are_score_valence_s() -> None:
    """Sums of valences of every kind (ints as VADER's idioms give, zeros of both signs, none
    but zeros, none at all) with "!" and "?" from none to past VADER's caps."""
    values = [0, 0.0, -0.0, 0.0, 0.0, 1, -2, 1.5, -0.7, 3.2, -3.4, 0.293, -1.25, 2.0, -4]
    rng = random.Random(18)
    compared = 0
    for _ in range(20_000):
        sentiments = [rng.choice(values) for _ in range(rng.randint(0, 12))]
        text = "x" + "!" * rng.randint(0, 6) + " ?" * rng.randint(0, 5)
        vader = ANALYZER.score_valence(sentiments, text)
        expected = (vader["compound"], vader["pos"], vader["neu"], vader["neg"])
        assert tuple(map(_exactly, scores(sentiments, text))) == tuple(map(_exactly, expected))
        emphasis = punctuation_emphasis(text)
        assert _exactly(emphasis) == _exactly(ANALYZER._punctuation_emphasis(text)), text
        compared += 1
    assert scores([], "!!") == (0.0, 0.0, 0.0, 0.0)
    assert compared == 20_000
