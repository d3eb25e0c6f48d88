"""VADER's own steps, taken exactly as VADER takes them, without the overhead of its methods.

    tokens(sentences) -> Tokens(words, lengths, shouting)              # as SentiText of the whole
    word_valence(lexicon, words, lowered, index, shouting) -> float  # as sentiment_valence
    scores(sentiments, text) -> (compound, pos, neu, neg)             # as score_valence

VADER reads a lexicon word with the three words before it and two after: "no" and other
negations, boosters ("very"), "never so", "without doubt", "least", its idioms, capitals. Its
method does that by lowering the whole token list again for each check and by walking its list
of 59 negations word by word for each of the three words before (`negated`); that cost about a
sixth of our scorer's time. `word_valence` is the same method with the list lowered once
(`lowered`) and the negations a set; `tokens` is SentiText's tokenizer run once over the
sentences, counting each one's tokens as it goes; `scores` is score_valence without its dict,
and its sums over the valences that are not 0 (most are). Two of its calls are skipped where
they cannot change anything: `scalar_inc_dec` for a word that is not a booster (it gives 0.0,
which is still added), and the idioms check where no word around ends an idiom. Every step,
comparison and arithmetic operation is VADER's, in VADER's order, with VADER's own constants
and its `scalar_inc_dec`, so every valence and token is the one VADER gives, to the last bit
and type (tests/judgement/test_vader.py checks both against VADER's own code: every lexicon
word of the labelled texts, windows built to reach each rule, lines built of punctuation and
capitals).

Kept to VADER 3.3.2's rules: if a new vaderSentiment changes them, that test fails.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping, Sequence
from itertools import compress
from typing import NamedTuple

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    normalize,
    scalar_inc_dec,
)

_NEGATIONS = frozenset(NEGATE)
# The last word of every idiom and booster of several words: a sequence of words can be one of
# them only if it ends in one of these (most words around a lexicon word end none).
_IDIOM_ENDS = frozenset(
    key.rsplit(" ", 1)[1] for key in (*SPECIAL_CASES, *BOOSTER_DICT) if " " in key
)


class Tokens(NamedTuple):
    """VADER's tokens of some sentences in a row, how many each has, and its is_cap_diff."""

    words: list[str]
    lengths: list[int]
    shouting: bool  # some words, not all, in capitals


def tokens(sentences: Sequence[str]) -> Tokens:
    """SentiText(" ".join(sentences)): each whitespace-separated word with its punctuation
    stripped, unless that leaves two characters or fewer (an emoticon such as ":)")."""
    words: list[str] = []
    lengths: list[int] = []
    for sentence in sentences:
        split = sentence.split()
        lengths.append(len(split))
        for word in split:
            stripped = word.strip(string.punctuation)
            words.append(word if len(stripped) <= 2 else stripped)
    capitals = sum(map(str.isupper, words))
    return Tokens(words, lengths, 0 < len(words) - capitals < len(words))


def word_valence(
    lexicon: Mapping[str, float],
    words: Sequence[str],
    lowered: Sequence[str],
    index: int,
    shouting: bool,
) -> float:
    """VADER's sentiment_valence of `words[index]`, a word of `lexicon`, in the sentence `words`
    (`lowered`: the same in lower case; `shouting`: VADER's is_cap_diff of the text)."""
    item = words[index]
    valence = lexicon[lowered[index]]
    # "no" before another lexicon word negates that word rather than scoring itself.
    if lowered[index] == "no" and index != len(words) - 1 and lowered[index + 1] in lexicon:
        valence = 0.0
    if (
        (index > 0 and lowered[index - 1] == "no")
        or (index > 1 and lowered[index - 2] == "no")
        or (index > 2 and lowered[index - 3] == "no" and lowered[index - 1] in ["or", "nor"])
    ):
        valence = lexicon[lowered[index]] * N_SCALAR
    if item.isupper() and shouting:
        if valence > 0:
            valence += C_INCR
        else:
            valence -= C_INCR
    for start in range(0, 3):
        # Each of the three words before, if it is not a lexicon word itself: a booster's
        # scalar (damped with distance), then negations, then (three back) idioms.
        if index > start and lowered[index - (start + 1)] not in lexicon:
            # scalar_inc_dec gives 0.0 for a word that is not a booster (it lowers the word and
            # looks it up first): only a booster is worth the call. 0.0 is still added below.
            scalar = (
                scalar_inc_dec(words[index - (start + 1)], valence, shouting)
                if lowered[index - (start + 1)] in BOOSTER_DICT
                else 0.0
            )
            if start == 1 and scalar != 0:
                scalar = scalar * 0.95
            if start == 2 and scalar != 0:
                scalar = scalar * 0.9
            valence = valence + scalar
            valence = _negation_check(valence, lowered, start, index)
            if start == 2:
                valence = _special_idioms_check(valence, lowered, index)
    return _least_check(valence, lexicon, lowered, index)


def _negated(word: str) -> bool:
    """VADER's `negated` of one lower-case word: a negation, or any word with "n't"."""
    return word in _NEGATIONS or "n't" in word


def _negation_check(valence: float, lowered: Sequence[str], start: int, index: int) -> float:
    """VADER's _negation_check: a negation `start + 1` words back flips and damps the valence;
    "never so" and "never this" strengthen it; "without doubt" leaves it."""
    if start == 0:
        if _negated(lowered[index - (start + 1)]):
            valence = valence * N_SCALAR
    if start == 1:
        if lowered[index - 2] == "never" and (
            lowered[index - 1] == "so" or lowered[index - 1] == "this"
        ):
            valence = valence * 1.25
        elif lowered[index - 2] == "without" and lowered[index - 1] == "doubt":
            pass
        elif _negated(lowered[index - (start + 1)]):
            valence = valence * N_SCALAR
    if start == 2:
        # VADER's condition as written: "and" binds before "or".
        if (
            lowered[index - 3] == "never"
            and (lowered[index - 2] == "so" or lowered[index - 2] == "this")
        ) or (lowered[index - 1] == "so" or lowered[index - 1] == "this"):
            valence = valence * 1.25
        elif lowered[index - 3] == "without" and (
            lowered[index - 2] == "doubt" or lowered[index - 1] == "doubt"
        ):
            pass
        elif _negated(lowered[index - (start + 1)]):
            valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: float, lowered: Sequence[str], index: int) -> float:
    """VADER's _special_idioms_check: an idiom around the word sets its valence ("the bomb"),
    a booster of two words before it ("kind of") adds to it."""
    # Every sequence looked up below ends in the word before, the word, one of the two after,
    # or (three_two) two before: none of them the end of an idiom, none can be one.
    after = len(lowered) - 1 - index  # words after this one
    if (
        lowered[index] not in _IDIOM_ENDS
        and lowered[index - 1] not in _IDIOM_ENDS
        and lowered[index - 2] not in _IDIOM_ENDS
        and (after < 1 or lowered[index + 1] not in _IDIOM_ENDS)
        and (after < 2 or lowered[index + 2] not in _IDIOM_ENDS)
    ):
        return valence
    one_zero = f"{lowered[index - 1]} {lowered[index]}"
    two_one_zero = f"{lowered[index - 2]} {lowered[index - 1]} {lowered[index]}"
    two_one = f"{lowered[index - 2]} {lowered[index - 1]}"
    three_two_one = f"{lowered[index - 3]} {lowered[index - 2]} {lowered[index - 1]}"
    three_two = f"{lowered[index - 3]} {lowered[index - 2]}"
    for sequence in (one_zero, two_one_zero, two_one, three_two_one, three_two):
        if sequence in SPECIAL_CASES:
            valence = SPECIAL_CASES[sequence]
            break
    if len(lowered) - 1 > index:
        zero_one = f"{lowered[index]} {lowered[index + 1]}"
        if zero_one in SPECIAL_CASES:
            valence = SPECIAL_CASES[zero_one]
    if len(lowered) - 1 > index + 1:
        zero_one_two = f"{lowered[index]} {lowered[index + 1]} {lowered[index + 2]}"
        if zero_one_two in SPECIAL_CASES:
            valence = SPECIAL_CASES[zero_one_two]
    for n_gram in (three_two_one, three_two, two_one):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


def _least_check(
    valence: float, lexicon: Mapping[str, float], lowered: Sequence[str], index: int
) -> float:
    """VADER's _least_check: "least" before the word negates it, "at least" and "very least"
    do not."""
    if index > 1 and lowered[index - 1] not in lexicon and lowered[index - 1] == "least":
        if lowered[index - 2] != "at" and lowered[index - 2] != "very":
            valence = valence * N_SCALAR
    elif index > 0 and lowered[index - 1] not in lexicon and lowered[index - 1] == "least":
        valence = valence * N_SCALAR
    return valence


def scores(sentiments: Sequence[float], text: str) -> tuple[float, float, float, float]:
    """VADER's score_valence of a text's valences: compound, pos, neu and neg, rounded as it
    rounds them."""
    if not sentiments:
        return (0.0, 0.0, 0.0, 0.0)  # round(0.0, n)
    sum_s = float(sum(sentiments))
    punct_emph_amplifier = punctuation_emphasis(text)
    if sum_s > 0:
        sum_s += punct_emph_amplifier
    elif sum_s < 0:
        sum_s -= punct_emph_amplifier
    compound = normalize(sum_s)
    # _sift_sentiment_scores: the same sums in the same order, over the valences that are not
    # 0 (a valence equal to 0 only counts as neutral).
    pos_sum = 0.0
    neg_sum = 0.0
    moved = 0
    for sentiment_score in compress(sentiments, sentiments):
        moved += 1
        if sentiment_score > 0:
            pos_sum += float(sentiment_score) + 1
        if sentiment_score < 0:
            neg_sum += float(sentiment_score) - 1
    neu_count = len(sentiments) - moved
    if pos_sum > math.fabs(neg_sum):
        pos_sum += punct_emph_amplifier
    elif pos_sum < math.fabs(neg_sum):
        neg_sum -= punct_emph_amplifier
    total = pos_sum + math.fabs(neg_sum) + neu_count
    return (
        round(compound, 4),
        round(math.fabs(pos_sum / total), 3),
        round(math.fabs(neu_count / total), 3),
        round(math.fabs(neg_sum / total), 3),
    )


def punctuation_emphasis(text: str) -> float:
    """VADER's _punctuation_emphasis: up to four "!", and two or more "?"."""
    ep_count = text.count("!")
    if ep_count > 4:
        ep_count = 4
    ep_amplifier = ep_count * 0.292
    qm_count = text.count("?")
    qm_amplifier: float = 0
    if qm_count > 1:
        if qm_count <= 3:
            qm_amplifier = qm_count * 0.18
        else:
            qm_amplifier = 0.96
    return ep_amplifier + qm_amplifier
