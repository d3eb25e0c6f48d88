"""The tone model: its file, its arithmetic, its reasons, and the labels it gives (issue #18)."""

from __future__ import annotations

import json
import math
import sys
from importlib import resources
from pathlib import Path

import pytest

from monitor.config.settings import load
from monitor.judgement import tone
from monitor.judgement.sentiment import SentimentScorer, default_scorer, label_of
from monitor.judgement.tone import (
    CLASSES,
    COMPLAINTS,
    PRAISES,
    SCORES,
    SILENT,
    VADER,
    ToneModel,
    features,
    word_of,
)
from monitor.model import Label, Sentiment, Tone
from tests.config.support import SCHOOL, write


def test_the_shipped_model_is_the_data_file_and_reads_back_as_written() -> None:
    text = resources.files("monitor.judgement").joinpath("data/tone_model.json").read_text()
    document = json.loads(text)
    model = ToneModel.shipped()
    assert model.to_json() == document
    assert document["classes"] == list(CLASSES)
    # VADER's scores are features: its compound is the base the model builds on.
    assert all(score in document["weights"] for score in SCORES)


def test_judge_is_a_softmax_of_dot_products() -> None:
    model = ToneModel({"late": [2.0, 0.0, -1.0], "thanks": [-1.0, 0.0, 3.0]}, [0.5, 1.0, 0.0])
    judged = model.judge({"late": 1.0, "unknown": 1.0, "thanks": 0.5})
    totals = [0.5 + 2.0 - 0.5, 1.0, 0.0 - 1.0 + 1.5]
    exponentials = [math.exp(total) for total in totals]
    expected = tuple(each / sum(exponentials) for each in exponentials)
    assert judged.probabilities == pytest.approx(expected)
    # The label is negative (2.0 against 1.0 and 0.5); "late" set it apart, "thanks" did not.
    assert judged.reasons == ("late",)


def test_a_model_needs_three_weights_per_feature_and_the_classes_in_order() -> None:
    with pytest.raises(ValueError, match="3 weights"):
        ToneModel({"late": [1.0, 2.0]}, [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="classes"):
        ToneModel.from_json(
            {"classes": ["positive", "neutral", "negative"], "bias": [], "weights": {}}
        )


def test_features_are_words_pairs_in_a_sentence_and_vader_s_scores() -> None:
    found = features(["Still", "no", "reply.", "Year", "6"], [3, 2], (-0.5, -0.6, 0.0, 0.4))
    assert found[SCORES[0]] == -0.5 and found[SCORES[1]] == -0.6
    assert {"still", "no", "reply", "<s> still", "still no", "no reply", "year 0"} <= found.keys()
    assert "reply year" not in found  # a pair never spans two sentences
    assert found["[length 1-5]"] == 1.0 and found[SILENT] == 0.0


def test_a_quiet_complaint_is_negative_and_says_why() -> None:
    """No emotive word: VADER alone calls it neutral; the model reads the construction."""
    text = "Emailed the office three times about the trip refund. Still nothing."
    vader_only = SentimentScorer(fitted=False).score(text)
    assert vader_only.p_negative is None
    judged = default_scorer().score(text)
    assert judged.p_negative is not None and judged.p_negative >= Tone().negative_probability
    assert label_of(judged) == Label.NEGATIVE
    assert "still waiting" in judged.words and VADER not in judged.words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Would not choose it again.", Label.NEGATIVE),
        ("My son came home hungry again.", Label.NEGATIVE),
        ("Bullying was dealt with at once. Lovely staff.", Label.POSITIVE),
        ("The school will close early on Friday for the INSET day.", Label.NEUTRAL),
        ("Miss Patel teaches Year 2.", Label.NEUTRAL),
    ],
)
def test_labels_by_the_model(text: str, expected: Label) -> None:
    assert label_of(default_scorer().score(text)) == expected


def test_the_label_follows_the_configured_chances() -> None:
    sentiment = Sentiment(0.2, 0.1, 0.9, 0.0, 0.2, "", (), p_negative=0.5, p_positive=0.3)
    assert label_of(sentiment, Tone(negative_probability=0.5)) == Label.NEGATIVE
    assert label_of(sentiment, Tone(negative_probability=0.51)) == Label.NEUTRAL
    assert label_of(sentiment, Tone(negative_probability=0.6, positive_probability=0.3)) == (
        Label.POSITIVE
    )
    # Not judged (no school lexicon, so no model): VADER's compound and thresholds decide.
    unjudged = Sentiment(-0.35, 0.0, 0.7, 0.3, -0.35, "", ())
    assert label_of(unjudged) == Label.NEGATIVE
    assert SentimentScorer(school=False).score("No reply.").p_negative is None


@pytest.mark.parametrize("words", ["vader compound", "vader silent", "vader pos"])
def test_words_named_like_the_model_s_own_features_are_only_words(words: str) -> None:
    """A text saying "vader compound" is judged as if those were two words of no weight: the
    pair is a feature of words, never VADER's compound (it once overwrote it with 1.0)."""
    said = default_scorer().score(f"Awful, awful day. The {words} was discussed.")
    unknown = default_scorer().score("Awful, awful day. The zorkel blimble was discussed.")
    assert said.compound == unknown.compound
    assert (said.p_negative, said.p_positive) == (unknown.p_negative, unknown.p_positive)
    found = default_scorer().features(f"Awful. The {words} was discussed.")
    assert found[SCORES[0]] == default_scorer().score("Awful.").compound


def test_a_text_saying_complaint_constructions_counts_only_those_that_fired() -> None:
    found = default_scorer().features("No reply. The complaint constructions were discussed.")
    assert found[COMPLAINTS] == 1.0  # "no reply"; the words are words
    assert found["complaint constructions"] == 1.0


def test_no_word_or_pair_can_take_the_name_of_a_model_feature() -> None:
    """Tokens made of anything (brackets, punctuation, digits) never yield a bracketed name."""
    tokens = ["[vader", "compound]", "[", "]", "[length", "0-0]", "[[x]]", "[", "vader"]
    found = features(tokens, [len(tokens)], (0.0, 0.0, 0.0, 0.0))
    own = {*SCORES, SILENT, COMPLAINTS, PRAISES, "[length 1-5]", "[length 6-15]"}
    words = [name for name in found if name not in own]
    assert not [name for name in words if name[:1] == "[" and name[1:2].isalpha()]
    assert found[SCORES[0]] == 0.0


def _labelled_texts() -> list[str]:
    path = Path(__file__).parents[1] / "data" / "school_sentiment.tsv"
    lines = path.read_text("utf-8").splitlines()
    return [line.split("\t", 2)[2] for line in lines if line.strip() and line[0] != "#"]


def test_judging_a_text_in_one_pass_equals_judging_its_features() -> None:
    """The scorer's one pass (`judge_text`) sums the same weights in the same order as `judge`
    of the features the training script reads: equal to the last bit, reasons and all."""
    scorer = default_scorer()
    model = ToneModel.shipped()
    texts = [
        *_labelled_texts(),
        "No reply. No reply. No reply, and no reply again: the the the office never answers.",
        "Lovely staff!! Lovely staff. Would not choose it again, would not.",
    ]
    for text in texts:
        found = scorer.features(text)
        sentiment = scorer.score(text)
        assert (sentiment.p_negative, sentiment.p_positive) == (
            model.judge(found).probabilities[0],
            model.judge(found).probabilities[2],
        ), text
    # And the reasons: the words the model gives, before VADER's words are put in.
    weights = {"no": [1.0, 0.0, 0.0], "no reply": [0.5, 0.0, 0.0], "office": [0.0, 1.0, 0.0]}
    small = ToneModel(weights, [0.0, 0.0, 0.0])
    tokens = ["No", "reply.", "No", "reply", "office"]
    expected = small.judge(features(tokens, [2, 3], (0.0, 0.0, 0.0, 0.0)))
    assert small.judge_text(tokens, [2, 3], (0.0, 0.0, 0.0, 0.0), {}) == expected
    assert expected.reasons == ("no", "no reply")
    # A word that holds a space (a lexicon phrase) and the pair of the same name are one feature.
    tokens = ["No reply", "no", "reply", "office"]
    expected = small.judge(features(tokens, [4], (0.0, 0.0, 0.0, 0.0)))
    assert small.judge_text(tokens, [4], (0.0, 0.0, 0.0, 0.0), {}) == expected
    # Counted once: the same as the text without the pair ("no reply" 0.5 and "no" 1.0 in all);
    # counted twice, negative would have 0.5 more.
    once = small.judge_text(["No reply", "no", "office"], [3], (0.0,) * 4, {})
    assert expected.probabilities == once.probabilities


def test_judging_a_text_reads_each_token_as_the_training_script_does() -> None:
    """judge_text reads every token as `word_of` does, the first time and from memory after."""
    tokens = ["(Reply!", "REPLY", "Reply", "reply", "Year", "2!", "İstanbul", "ǅungla", "ΣΑΣ"]
    tokens += ["straße", "n't", "'", "...", "“", "it’s", "ⓐⓑ", "Ⓐⓑ", "don't", "x2", "ok"]
    weights = {
        word_of(token): [float(index), 0.0, -float(index)] for index, token in enumerate(tokens)
    }
    weights.update({f"<s> {word_of(token)}": [0.5, 0.25, 0.0] for token in tokens})
    small = ToneModel(weights, [0.0, 0.0, 0.0])
    for _ in range(2):  # the second time, each token is one it has read before
        for token in tokens:
            expected = small.judge(features([token], [1], (0.0, 0.0, 0.0, 0.0)))
            assert small.judge_text([token], [1], (0.0, 0.0, 0.0, 0.0), {}) == expected, token
            assert expected.probabilities != (1 / 3, 1 / 3, 1 / 3), token  # its word was found


def test_a_token_in_lower_case_letters_is_its_own_word() -> None:
    """judge_text reads a token that isalpha() and islower() as itself, without word_of: for
    every such character, and a word of them all, word_of gives it back unchanged."""
    letters = [
        character
        for character in map(chr, range(sys.maxunicode + 1))
        if character.isalpha() and character.islower()
    ]
    assert [character for character in letters if word_of(character) != character] == []
    word = "".join(letters)
    assert word.isalpha() and word.islower() and word_of(word) == word


def test_the_tokens_a_model_remembers_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A feed of endless made-up words never grows the memory of tokens past its bound, and
    judging is the same whether a token is remembered or not."""
    monkeypatch.setattr(tone, "_MOST_TOKENS", 5)
    small = ToneModel({"reply": [1.0, 0.0, 0.0], "no reply": [0.5, 0.0, 0.0]}, [0.0, 0.0, 0.0])
    first = small.judge_text(["No", "reply"], [2], (0.0,) * 4, {})
    for number in range(50):
        small.judge_text([f"word{number}", "reply"], [2], (0.0,) * 4, {})
        assert len(small._tokens) <= 5
    assert small.judge_text(["No", "reply"], [2], (0.0,) * 4, {}) == first
    assert first == small.judge(features(["No", "reply"], [2], (0.0,) * 4))
    small._tokens.clear()
    long = "reply" + "!" * 40  # read as "reply" each time, never remembered
    assert small.judge_text([long], [1], (0.0,) * 4, {}).reasons == ("reply",)
    assert long not in small._tokens


def test_the_reasons_are_those_of_the_label_the_thresholds_give() -> None:
    """At P(negative) 0.36 with neutral the likeliest, the label is negative (cut at 0.35): the
    reasons say why negative rather than neutral. Cut at 0.5, the label is neutral, and so are
    the reasons."""
    small = ToneModel({"late": [1.2, 0.0, 0.0], "residential": [0.0, 1.6, 0.0]}, [0.0, 0.0, 0.0])
    tokens, scores = ["late", "residential"], (0.0, 0.0, 0.0, 0.0)
    judged = small.judge_text(tokens, [2], scores, {})
    negative, neutral, _ = judged.probabilities
    assert Tone().negative_probability <= negative < neutral
    assert judged.reasons == ("late",)
    assert small.judge(features(tokens, [2], scores)) == judged
    cut_higher = Tone(negative_probability=0.5)
    assert small.judge_text(tokens, [2], scores, {}, cut_higher).reasons == ("residential",)
    assert small.judge(features(tokens, [2], scores), cut_higher).reasons == ("residential",)


def test_the_scorer_of_a_config_gives_the_reasons_of_that_configs_labels(tmp_path: Path) -> None:
    """A borderline question (P(negative) about 0.42): labelled negative by default, with words
    that pushed it there; a school that cuts at 0.5 gets it neutral, and the words of neutral."""
    text = "Has anyone's child done the Year 5 residential?"
    default = SentimentScorer.from_config(load(write(tmp_path, SCHOOL))).score(text)
    assert label_of(default) == Label.NEGATIVE
    cut = load(write(tmp_path, SCHOOL + "[sentiment]\nnegative_probability = 0.5\n"))
    higher = SentimentScorer.from_config(cut).score(text)
    assert label_of(higher, cut.sentiment.tone) == Label.NEUTRAL
    assert higher.p_negative == default.p_negative
    assert "residential" in higher.words and "residential" not in default.words


def test_digits_and_dashes_count_but_are_never_shown_as_reasons() -> None:
    """A year ("2026" is read as 0000), a dash or "Year 5" (the pair "year 0") weigh in the sum
    but are no reason a reader could weigh; a word beside them, or an emoji, is shown."""
    weights = {
        "0000": [2.0, 0.0, 0.0],
        "-": [1.9, 0.0, 0.0],
        "year 0": [1.8, 0.0, 0.0],
        "year": [0.5, 0.0, 0.0],
        "😡": [0.4, 0.0, 0.0],
    }
    small = ToneModel(weights, [0.0, 0.0, 0.0])
    tokens = ["In", "2026", "-", "Year", "5", "😡"]
    judged = small.judge_text(tokens, [6], (0.0,) * 4, {})
    assert judged.reasons == ("year", "😡")
    assert judged.probabilities == small.judge(features(tokens, [6], (0.0,) * 4)).probabilities
    without = ToneModel({"year": [0.5, 0.0, 0.0], "😡": [0.4, 0.0, 0.0]}, [0.0, 0.0, 0.0])
    assert (
        judged.probabilities[0] > without.judge_text(tokens, [6], (0.0,) * 4, {}).probabilities[0]
    )
