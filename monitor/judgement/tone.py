"""The tone: a small linear model over what VADER and the constructions read, fitted on school talk.

    model = ToneModel.shipped()          # data/tone_model.json (benchmarks/train_tone.py)
    judged = model.judge(features(...))  # -> Judged((0.81, 0.15, 0.04), reasons)

VADER's compound is fitted to general English; school complaints are mostly said without an
emotive word, in shapes the constructions find ("no reply", "would not choose"), and which of
those shapes and words matter, and how much, is what four blind writers' labelled texts
(benchmarks/data/school_talk_dev.tsv) teach best. The model is multinomial logistic regression:
one weight per feature and class, a dot product and a softmax at run time. Its features are
VADER's own scores of the text (compound, worst sentence, pos, neg), the tokens the scorer read
(each construction and lexicon phrase as one token) and their pairs within a sentence.

`probabilities` are the chances of negative, neutral and positive; the [sentiment]
`negative_probability` and `positive_probability` cut them into labels. `reasons` are the
features that pushed the label its way most, shown as the digest's "why" (a construction by
its name, a word as written; VADER's scores as `VADER`, which the scorer replaces by the words
behind VADER's score). Also counted: how many complaint and praise constructions fired, whether
VADER found nothing, and the text's length (a short fact has no evidence but the prior).
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from operator import itemgetter
from typing import Any

from monitor.model import DEFAULT_TONE, Tone

CLASSES = ("negative", "neutral", "positive")
# The model's own features are named in square brackets, a name no word or pair can take: each
# word is stripped of punctuation at both ends (a token of punctuation alone is kept whole, and
# has no letter), so no word feature starts with "[" and a letter. Without them a text saying
# "vader compound" would overwrite VADER's compound with 1.0.
SCORES = ("[vader compound]", "[vader worst sentence]", "[vader pos]", "[vader neg]")
SILENT = "[vader silent]"
_VADER_FEATURES = (*SCORES, SILENT)  # what VADER's scores give every text, in this order
COMPLAINTS = "[complaint constructions]"  # how many fired (constructions.py)
PRAISES = "[praise constructions]"
VADER = "VADER"  # the reason that stands for VADER's scores: the scorer shows the words behind them
_LENGTH = "[length "
_LENGTHS = ((5, "[length 1-5]"), (15, "[length 6-15]"), (40, "[length 16-40]"))
_LONGEST = "[length 41+]"
_START = "<s>"  # the word before a sentence's first
_PUNCTUATION = "\"'’‘“”.,;:!?()[]{}…-–—*"
# Words that carry no tone of their own: never shown as a reason (they still count).
_FUNCTION_WORDS = frozenset(
    "a an the and or but if so to of in on at by for from with about as into than then there"
    " this that these those it its is are was were be been being am i me my we us our you your"
    " he him his she her they them their who what which when where how do does did have has had"
    " will would can could should may might shall must just also all any some very 0 <s>".split()
)
_DIGITS = str.maketrans("0123456789", "0000000000")
_OTHERS = ((1, 2), (0, 2), (0, 1))  # by class, the other two
_Reason = tuple[float, tuple[float, float, float], str]  # a feature's value, weights and reason
# A feature's weights by class, its reason ("": none), that reason for a value of 1.0 (a
# word's: made once, so that judging a text builds no tuple for its words), and its name.
_Entry = tuple[tuple[float, float, float], str, _Reason | None, str]
# What judge_text adds for a feature, flat so that a look-up reaches the numbers at once: its
# name, its weights by class, and its reason (None: none).
_Flat = tuple[str, float, float, float, _Reason | None]
# A token as judge_text reads it: its word, the word's feature (_Flat's fields, the name None
# when the word is not one), and the pairs that word begins.
_Read = tuple[str, str | None, float, float, float, _Reason | None, dict[str, _Flat] | None]
# Tokens remembered, and the longest: 20,000 is six times the development half's 3,488
# different tokens; with tokens of 32 characters at most, about 6 MB at worst (measured).
_MOST_TOKENS = 20_000
_LONGEST_TOKEN = 32


@dataclass(frozen=True, slots=True)
class Judged:
    """The model's view of one text: each class's probability, and why."""

    probabilities: tuple[float, float, float]  # by CLASSES
    reasons: tuple[str, ...]


class ToneModel:
    """Weights per feature and class (a data file), read once; `judge` is a dot product."""

    def __init__(
        self, weights: Mapping[str, Sequence[float]], bias: Sequence[float], *, reasons: int = 8
    ) -> None:
        self._bias = tuple(bias)
        self._reasons = reasons
        if len(self._bias) != len(CLASSES) or any(
            len(values) != len(CLASSES) for values in weights.values()
        ):
            raise ValueError(f"a tone model needs {len(CLASSES)} weights per feature")
        # Each feature's three weights and how it is shown as a reason, worked out once.
        self._weights: dict[str, _Entry] = {}
        for feature, values in weights.items():
            triple = (float(values[0]), float(values[1]), float(values[2]))
            shown = _shown(feature)
            reason = (1.0, triple, shown) if shown else None
            self._weights[feature] = (triple, shown, reason, feature)
        # The same features, flat, by the two words of a pair: judge_text looks a pair up by
        # words it has already hashed, rather than building the pair's name. A word may hold
        # spaces (a lexicon phrase), so each name is filed under every cut at a space: a pair
        # is found exactly when "first second" is the name.
        self._pairs: dict[str, dict[str, _Flat]] = {}
        for feature, entry in self._weights.items():
            parts = feature.split(" ")
            for cut in range(1, len(parts)):
                first, second = " ".join(parts[:cut]), " ".join(parts[cut:])
                self._pairs.setdefault(first, {})[second] = _flat(entry)
        self._first_pairs = self._pairs.get(_START)
        # The entries of VADER's four scores and whether it found nothing, which every text
        # has, found once: judge_text adds them without looking each up by name (measured:
        # about a microsecond a text). None: a feature the model lacks, added as nothing (as
        # `judge` skips it).
        self._vader_entries = tuple(self._weights.get(name) for name in _VADER_FEATURES)
        # What each token reads as (its word, the word's feature flat, the pairs it begins), by
        # the token as written: a school's words recur from text to text, and one look-up of a
        # token known replaces lowering, stripping and two look-ups of its word (measured:
        # about a fifth of judging a text). Bounded in number and length: a hostile feed of
        # made-up or very long words empties it now and then, never grows it without end.
        self._tokens: dict[str, _Read] = {}

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> ToneModel:
        """A model from its JSON form: {"classes", "bias", "weights": {feature: [w, w, w]}}."""
        if tuple(document.get("classes", ())) != CLASSES:
            raise ValueError(f"a tone model's classes must be {list(CLASSES)}")
        return cls(document["weights"], document["bias"])

    def to_json(self) -> dict[str, Any]:
        """The JSON form `from_json` reads."""
        return {
            "classes": list(CLASSES),
            "bias": list(self._bias),
            "weights": {feature: list(entry[0]) for feature, entry in self._weights.items()},
        }

    @staticmethod
    @cache
    def shipped() -> ToneModel:
        """The model fitted on the development half, shipped as data/tone_model.json: read
        once, shared by every scorer of the process."""
        return ToneModel.read_shipped()

    @staticmethod
    def read_shipped() -> ToneModel:
        """A new copy of the shipped model, remembering no token yet (the speed benchmark
        times a scorer that has read none of its texts before)."""
        text = (
            resources.files("monitor.judgement").joinpath("data/tone_model.json").read_text("utf-8")
        )
        return ToneModel.from_json(json.loads(text))

    def judge(self, features: Mapping[str, float], tone: Tone = DEFAULT_TONE) -> Judged:
        """The tone of a text from its features, and the features that decided its label (the
        label `tone`'s chances give it)."""
        totals = list(self._bias)
        reasons: list[_Reason] = []
        weights_of = self._weights.get
        _add_valued(
            totals, reasons, [(weights_of(name), value) for name, value in features.items()]
        )
        return self._decided(totals, reasons, tone)

    def judge_text(
        self,
        tokens: Sequence[str],
        lengths: Sequence[int],
        scores: Sequence[float],
        counts: Mapping[str, float],
        tone: Tone = DEFAULT_TONE,
    ) -> Judged:
        """`judge` of `features(tokens, lengths, scores)` followed by `counts`, in one pass.

        The same features added in the same order (so the same sums, to the last bit), but each
        word and pair is looked up as it is read and no dict of features is built: building one
        cost as much as VADER's valences of the text (measured). The scorer calls this.
        """
        totals = list(self._bias)
        reasons: list[_Reason] = []
        # The features that are not words first, as `features` puts them.
        values, length_feature = _own_values(lengths, scores)
        own = [
            *zip(self._vader_entries, values, strict=True),
            (self._weights.get(length_feature), 1.0),
        ]
        _add_valued(totals, reasons, own)
        negative, neutral, positive = totals
        seen: set[str] = set()  # a feature counts once, where it first occurs (as in a dict)
        known = self._tokens.get
        start = 0
        for length in lengths:
            following = self._first_pairs  # the pairs that begin with the word before this one
            for token in tokens[start : start + length]:
                read = known(token)
                if read is None:
                    read = self._read_token(token)
                word, name, on_negative, on_neutral, on_positive, reason, pairs = read
                # A word's value is 1.0, and weight * 1.0 is the weight, exactly.
                if name is not None and name not in seen:
                    seen.add(name)
                    negative += on_negative
                    neutral += on_neutral
                    positive += on_positive
                    if reason is not None:
                        reasons.append(reason)
                # The pair of the word before and this one, added by the same steps as the word,
                # written again rather than called: a call per token costs more than the steps.
                if following is not None:
                    pair = following.get(word)
                    if pair is not None:
                        name, on_negative, on_neutral, on_positive, reason = pair
                        if name not in seen:
                            seen.add(name)
                            negative += on_negative
                            neutral += on_neutral
                            positive += on_positive
                            if reason is not None:
                                reasons.append(reason)
                following = pairs
            start += length
        totals = [negative, neutral, positive]
        weights_of = self._weights.get
        _add_valued(totals, reasons, [(weights_of(name), value) for name, value in counts.items()])
        return self._decided(totals, reasons, tone)

    def _read_token(self, token: str) -> _Read:
        """What `token` reads as (see `_tokens`), worked out and remembered."""
        # Most tokens are a lower-case word already, which word_of gives back unchanged (no
        # punctuation to strip, lower() changes nothing: tested on every code point); five in
        # six of the tokens a text first shows the model.
        word = token if token.isalpha() and token.islower() else word_of(token)
        pairs = self._pairs.get(word)
        entry = self._weights.get(word)
        if entry is None:
            read: _Read = (word, None, 0.0, 0.0, 0.0, None, pairs)
        else:
            # The word as the model's own string (its name): a pair is then found by the same
            # object.
            read = (entry[3], *_flat(entry), pairs)
        if len(token) <= _LONGEST_TOKEN:
            if len(self._tokens) >= _MOST_TOKENS:
                self._tokens.clear()
            self._tokens[token] = read
        return read

    def _decided(self, totals: list[float], reasons: list[_Reason], tone: Tone) -> Judged:
        """The probabilities from the classes' sums, and the reasons that set the label apart."""
        negative, neutral, positive = totals
        top = max(totals)
        exponentials = [math.exp(negative - top), math.exp(neutral - top), math.exp(positive - top)]
        whole = sum(exponentials)
        probabilities = (exponentials[0] / whole, exponentials[1] / whole, exponentials[2] / whole)
        # The class the label will be (label_of's cut of the chances), not the likeliest: a
        # complaint at P(negative) 0.4 is labelled negative, and its reasons must say why it is
        # negative rather than why it might be neutral.
        chosen = CLASSES.index(tone.by_chances(probabilities[0], probabilities[2]))
        # What set the chosen class apart from the next best: each feature's share of the margin,
        # VADER's four scores as one reason, words that say nothing on their own left out.
        first, second = _OTHERS[chosen]
        runner_up = first if totals[first] >= totals[second] else second
        margins: dict[str, float] = {}
        for value, weights, shown in reasons:
            margin = value * (weights[chosen] - weights[runner_up])
            margins[shown] = margins.get(shown, 0.0) + margin
        # Largest first; equal margins in the order they came (sorted is stable).
        ranked = sorted(
            [(shown, margin) for shown, margin in margins.items() if margin > 0],
            key=itemgetter(1),
            reverse=True,
        )
        # (A list, not a generator: tuple() of a generator costs more for a handful.)
        return Judged(probabilities, tuple([shown for shown, _ in ranked[: self._reasons]]))


def _flat(entry: _Entry) -> _Flat:
    """A feature's entry as judge_text reads it."""
    (on_negative, on_neutral, on_positive), _, reason, name = entry
    return (name, on_negative, on_neutral, on_positive, reason)


def _add_valued(
    totals: list[float],
    reasons: list[_Reason],
    entries: Iterable[tuple[_Entry | None, float]],
) -> None:
    """Each feature's weights times its value added to `totals`, in order; its reason noted
    (None: a feature the model lacks, which adds nothing)."""
    for entry, value in entries:
        if entry is not None:
            weights, shown, _, _ = entry
            totals[0] += weights[0] * value
            totals[1] += weights[1] * value
            totals[2] += weights[2] * value
            if shown:
                reasons.append((value, weights, shown))


def features(
    tokens: Sequence[str], lengths: Sequence[int], scores: Sequence[float]
) -> dict[str, float]:
    """A text's features: VADER's `scores` (as SCORES), each word and each pair in a sentence.

    `tokens` are the words as the scorer shows them (a construction by its name), sentence after
    sentence, `lengths` the number in each sentence.
    """
    values, length_feature = _own_values(lengths, scores)
    found: dict[str, float] = dict(zip(_VADER_FEATURES, values, strict=True))
    found[length_feature] = 1.0
    start = 0
    for length in lengths:
        previous = _START
        for token in tokens[start : start + length]:
            word = word_of(token)
            found[word] = 1.0
            found[f"{previous} {word}"] = 1.0
            previous = word
        start += length
    return found


def word_of(token: str) -> str:
    """A token as a feature: lower case, without punctuation at its ends, digits as 0."""
    word = token.lower().strip(_PUNCTUATION)
    if not word.isalpha():
        word = word.translate(_DIGITS) or token
    return word


def _own_values(lengths: Sequence[int], scores: Sequence[float]) -> tuple[tuple[float, ...], str]:
    """The features that are not words: the values of _VADER_FEATURES (VADER's scores, whether
    it found nothing), and the name of the text's length feature (its value is 1.0)."""
    # A text VADER finds nothing in, and how long it is: without them a short fact ("Miss
    # Patel teaches Year 2.") has no evidence but the classes' prior, which leans negative.
    silent = 1.0 if scores[0] == 0 and scores[1] == 0 else 0.0
    return (*scores, silent), _length(sum(lengths))


def _length(words: int) -> str:
    """The feature of a text's length in words."""
    for most, name in _LENGTHS:
        if words <= most:
            return name
    return _LONGEST


def _shown(feature: str) -> str:
    """A feature as a reason: VADER (its words), a word, pair or construction; "" for none."""
    if feature in SCORES or feature == SILENT:
        return VADER
    if feature.startswith(_LENGTH) or feature in (COMPLAINTS, PRAISES):
        return ""  # the constructions that fired are reasons of their own
    words = feature.removeprefix(f"{_START} ")
    parts = words.split(" ")
    if all(word in _FUNCTION_WORDS for word in parts):
        return ""  # "about the", "it": part of a pattern, not a reason a reader could weigh
    if any(_says_nothing(word) for word in parts):
        return ""  # "0000" (a year), "-", "year 0" (Year 5): digits and dashes are no reason
    return words


def _says_nothing(word: str) -> bool:
    """Whether a word is only digits (read as 0) and punctuation: an emoji or a £ still says
    something, a year or a dash does not."""
    return all(character == "0" or unicodedata.category(character)[0] == "P" for character in word)
