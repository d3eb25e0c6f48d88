"""Sentiment: VADER over the whole text, a per-sentence view for the worst sentence, and reasons.

    scorer = SentimentScorer({"requires improvement": -2.0})   # once: VADER loads its lexicon
    scorer.score("Ofsted said the school requires improvement.") -> Sentiment
    scorer.score_item(title, text)                              # the title is its own sentence

`compound` (and pos/neu/neg) are VADER's scores of the whole text, as VADER computes them, so
its published accuracy on general text holds; `most_negative` is the lowest sentence, so one
furious sentence in a long polite post is not averaged away; `words` are the words and phrases
that moved the headline score (the digest's "why").

The school lexicon (data/school_lexicon.txt, see `lexicon`) is applied unless `school=False`,
and config entries extend or override it. VADER's lexicon holds single tokens, so a phrase is
found in the text and joined into one token ("special_measures") that the lexicon then knows;
the rewrites in `lexicon` (sarcasm, "can't recommend … enough", the grade of a school the
family left) work the same way. VADER reads capitals, "!!!" and emoji, so text reaches
it as written: never lowercased or stripped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from itertools import compress
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    SentimentIntensityAnalyzer,
    normalize,
)

from monitor.judgement import vader
from monitor.judgement.constructions import CONSTRUCTIONS, DOMAIN_WORDS
from monitor.judgement.lexicon import REWRITES, Rewrite, normalise_key, shipped_lexicon
from monitor.judgement.prefilter import (
    Alternatives,
    Index,
    top_level_alternatives,
)
from monitor.judgement.tone import COMPLAINTS, PRAISES, VADER, ToneModel, features
from monitor.model import DEFAULT_TONE, Label, Sentiment, Tone

if TYPE_CHECKING:
    from monitor.config.settings import Config

MAX_WORDS = 8  # shown as "why" in the digest: a handful is enough
NEUTRAL = Sentiment(0.0, 0.0, 0.0, 0.0, 0.0, "", ())
_NO_OVERRIDES: Mapping[str, float] = MappingProxyType({})
_VARIATION_SELECTOR = "\ufe0f"  # asks for the emoji glyph of a character such as ❤


# Reading and _Scored are named tuples, not frozen dataclasses: built for every text, and a frozen
# dataclass's __init__ sets each field through object.__setattr__ (measured: a few µs a text).
class _Scored(NamedTuple):
    """VADER's scores of a run of tokens and the valence each token added."""

    compound: float
    pos: float
    neu: float
    neg: float
    valences: tuple[float, ...]


class Reading(NamedTuple):
    """What the scorer read of a text: tokens by sentence, VADER's scores, the worst sentence."""

    tokens: list[str]  # as VADER read them
    lowered: list[str]  # the same in lower case
    lengths: list[int]  # tokens in each sentence
    shown: list[str]
    whole: _Scored
    worst: float
    worst_sentence: str


def tone_features(reading: Reading) -> dict[str, float]:
    """The tone model's features of a reading (see `tone.features`)."""
    found = features(reading.shown, reading.lengths, _scores_read(reading))
    found.update(_weighed(reading)[1])
    return found


def _scores_read(reading: Reading) -> tuple[float, float, float, float]:
    """VADER's scores the tone model reads, in the order of `tone.SCORES`."""
    whole = reading.whole
    return (whole.compound, reading.worst, whole.pos, whole.neg)


def _weighed(reading: Reading) -> tuple[dict[str, float], dict[str, float]]:
    """What each word (as shown) added to VADER's score of the whole, and how many complaint
    and praise constructions fired, whichever: a writer nobody fitted on uses other words, but
    the same shapes. One walk over the tokens that moved the score (two or so a text) for both.
    """
    influence: dict[str, float] = {}
    fired: dict[str, float] = {}
    valences = reading.whole.valences
    moved = compress(zip(reading.shown, reading.lowered, valences, strict=True), valences)
    for word, token, valence in moved:
        influence[word] = influence.get(word, 0.0) + valence
        if token[:2] == "c_":
            key = COMPLAINTS if valence < 0 else PRAISES
            fired[key] = fired.get(key, 0.0) + 1.0
    return influence, fired


class SentimentScorer:
    """VADER with the school lexicon and config additions; build one and reuse it (slow to load)."""

    def __init__(
        self,
        lexicon: Mapping[str, float] = _NO_OVERRIDES,
        *,
        school: bool = True,
        tone: ToneModel | None = None,
        fitted: bool = True,
        thresholds: Tone = DEFAULT_TONE,
    ) -> None:
        """`tone`: the tone model (default: the shipped one, with the school lexicon only).

        `fitted=False` leaves the tone out (Sentiment.tone None: labels by VADER's scores).
        `thresholds`: where the labels fall ([sentiment]), so that the reasons shown are those of
        the label the mention gets.
        """
        self._thresholds = thresholds
        self._analyzer = SentimentIntensityAnalyzer()
        # The shipped model was fitted on the school lexicon's tokens: without them it is not used.
        self._tone = (tone or (ToneModel.shipped() if school else None)) if fitted else None
        self._emoji: dict[str, str] = self._analyzer.emojis
        self._shown: dict[str, str] = {}  # joined token -> the phrase as written in the lexicon
        self._rewrites: tuple[Rewrite, ...] = REWRITES if school else ()
        for rewrite in self._rewrites:
            self._analyzer.lexicon[rewrite.token] = rewrite.valence
            self._shown[rewrite.token] = rewrite.shown
        # Complaint and praise constructions, then school words VADER misreads: one pattern.
        constructions = (*CONSTRUCTIONS, *DOMAIN_WORDS) if school else ()
        # Each alternative of each construction apart, so only those a text may hold are tried.
        self._construction_tokens: list[str] = []  # by alternative
        alternatives: list[str] = []
        for construction in constructions:
            token = "c_" + re.sub(r"\W+", "_", construction.shown.lower()).strip("_")
            self._analyzer.lexicon[token] = construction.valence
            self._shown[token] = construction.shown
            for alternative in top_level_alternatives(construction.pattern):
                alternatives.append(alternative)
                self._construction_tokens.append(token)
        self._constructions = Alternatives(alternatives, re.I | re.M) if alternatives else None
        # The characters VADER replaces by their emoji's name (its keys of several characters
        # never match: it reads a text one character at a time).
        self._emoji_characters = frozenset(
            [*(key for key in self._emoji if len(key) == 1), _VARIATION_SELECTOR]
        )
        # None of them is ASCII (VADER's list, checked here): a text in ASCII, as most are, has
        # none, which str.isascii() says at once; looking each character up takes microseconds.
        self._ascii_has_no_emoji = not any(
            character.isascii() for character in self._emoji_characters
        )
        entries = {**shipped_lexicon()} if school else {}
        entries.update({normalise_key(key): float(value) for key, value in lexicon.items()})
        phrases: list[tuple[int, str]] = []  # (words, regex) of each phrase
        self._tokens: dict[str, str] = {}  # phrase as matched (see _phrase_key) -> token
        for key, valence in entries.items():
            words = key.split()
            if not words:
                continue
            # No apostrophe in a token: VADER reads any word with "n't" as a negation.
            token = "_".join(words).replace("'", "")
            self._analyzer.lexicon[token] = valence
            if len(words) > 1 or "'" in key:
                self._shown[token] = key
                self._tokens[_phrase_key(key)] = token
                body = r"\s+".join(re.escape(word).replace("'", "['’]?") for word in words)
                phrases.append((len(words), body))
        # One pass over the text for every phrase. Longest first, so "does not require
        # improvement" wins over "require improvement" where both start.
        phrases.sort(key=lambda phrase: (-phrase[0], -len(phrase[1])))
        self._phrases = (
            Alternatives([rf"(?<![\w'’]){body}(?![\w'’])" for _, body in phrases], re.I)
            if phrases
            else None
        )
        # What each rewrite, construction and phrase needs in a text to match at all (most texts
        # hold a few): one index of them all, so a text is looked up once.
        construction_patterns = self._constructions.compiled if self._constructions else ()
        phrase_patterns = self._phrases.compiled if self._phrases else ()
        self._index = Index(
            [
                *(rewrite.pattern for rewrite in self._rewrites),
                *construction_patterns,
                *phrase_patterns,
            ]
        )
        # The words VADER scores: those of its lexicon that are not modifiers (a booster changes
        # its neighbours and scores nothing itself). The lexicon is complete by now.
        self._scored = frozenset(self._analyzer.lexicon.keys() - BOOSTER_DICT.keys())
        # Where the constructions' and the phrases' indices begin in it.
        self._first_construction = len(self._rewrites)
        self._first_phrase = self._first_construction + len(construction_patterns)

    @classmethod
    def from_config(cls, config: Config, tone: ToneModel | None = None) -> SentimentScorer:
        """The scorer `config` asks for: [sentiment] lexicon, with or without the school's, and
        its thresholds (`tone`: the tone model, default the shipped one)."""
        return cls(
            config.sentiment.lexicon,
            school=config.sentiment.school_lexicon,
            tone=tone,
            thresholds=config.sentiment.tone,
        )

    def score(self, text: str) -> Sentiment:
        """The sentiment of `text`: VADER on the whole and per sentence, and the tone model."""
        reading = self._read(text)
        if reading is None:
            return NEUTRAL
        whole = reading.whole
        influence, fired = _weighed(reading)
        words = _drivers(whole.compound, influence)
        p_negative = p_positive = None
        if self._tone is not None:
            judged = self._tone.judge_text(
                reading.shown, reading.lengths, _scores_read(reading), fired, self._thresholds
            )
            p_negative, _, p_positive = judged.probabilities
            words = _reasons(judged.reasons, words)
        return Sentiment(
            compound=whole.compound,
            pos=whole.pos,
            neu=whole.neu,
            neg=whole.neg,
            most_negative=reading.worst,
            most_negative_sentence=reading.worst_sentence,
            words=words,
            p_negative=p_negative,
            p_positive=p_positive,
        )

    def features(self, text: str) -> dict[str, float]:
        """What the tone model reads of `text` (its training script reads the same)."""
        reading = self._read(text)
        return {} if reading is None else tone_features(reading)

    def _read(self, text: str) -> Reading | None:
        """VADER's reading of `text`, sentence by sentence, after constructions and phrases."""
        sentences = split_sentences(text)
        if not sentences:
            return None
        # Each sentence is prepared, described and read by VADER on its own (a "not" ends at the
        # full stop); the whole is their tokens in a row, each token read once.
        prepared = list(map(self._prepare, sentences))
        # Rewrites and constructions add no emoji: a text without any has none to describe.
        origins: list[list[str | None] | None] | None = None  # by sentence (_describe_emoji)
        if (text.isascii() and self._ascii_has_no_emoji) or self._emoji_characters.isdisjoint(text):
            described = [sentence.strip() for sentence in prepared]
        else:
            each_described = list(map(self._describe_emoji, prepared))
            described = [sentence for sentence, _ in each_described]
            origins = [each for _, each in each_described]
        whole_text = " ".join(described)
        # VADER's tokens of the whole are those of its sentences in a row: read them once.
        # VADER's "some words in capitals" is of the whole text (SentiText of the whole).
        tokens, lengths, shouting = vader.tokens(described)
        lowered = list(map(str.lower, tokens))  # VADER lowers each token as it reads it
        raw = self._valences(tokens, lowered, lengths, shouting)
        whole = self._scores(tokens, lowered, raw, whole_text)
        lowest, lowest_score = 0, whole.compound
        if len(described) > 1:
            start = 0
            for index, length in enumerate(lengths):
                end = start + length
                valences = raw[start:end]
                # Nothing scored, nothing to scale ("but" and "!" only scale valences found):
                # score_valence gives 0.0 (so do 43% of the sentences of the development half).
                part = (
                    self._compound(lowered[start:end], valences, described[index])
                    if any(valences)
                    else 0.0
                )
                if index == 0 or part < lowest_score:
                    lowest, lowest_score = index, part
                start = end
        shown_of = self._shown.get
        if origins is None or all(each is None for each in origins):  # most text: no emoji
            shown = list(map(shown_of, lowered, lowered))
        else:
            by_token = [
                origin
                for each, length in zip(origins, lengths, strict=True)
                for origin in (each or [None] * length)
            ]
            shown = [
                origin or shown_of(lower, lower)
                for lower, origin in zip(lowered, by_token, strict=True)
            ]
        return Reading(tokens, lowered, lengths, shown, whole, lowest_score, sentences[lowest])

    def score_item(self, title: str | None, text: str) -> Sentiment:
        """The sentiment of an item: its title first, as a sentence of its own, then its text."""
        return self.score(item_text(title, text))

    def _prepare(self, sentence: str) -> str:
        """`sentence` with rewrites, constructions and lexicon phrases turned into their tokens."""
        # Which may occur, looked up for each sentence (not once for the text): most of those a
        # text holds the words of are not in a given sentence of it, and a search that finds
        # nothing reads the whole sentence (on the development half, 2.7 searches a text
        # instead of 6.9; measured).
        matching = self._index.matching(sentence)
        if not matching:
            return sentence
        first_construction, first_phrase = self._first_construction, self._first_phrase
        for index in matching:
            if index >= first_construction:
                break
            sentence = _apply(self._rewrites[index], sentence)
        if self._constructions is not None and matching[-1] >= first_construction:
            constructions = self._constructions.chosen(
                [
                    index - first_construction
                    for index in matching
                    if first_construction <= index < first_phrase
                ]
            )
            if constructions is not None:
                sentence = constructions.sub(self._construction_token, sentence)
        if self._phrases is not None and matching[-1] >= first_phrase:
            phrases = self._phrases.chosen(
                [index - first_phrase for index in matching if index >= first_phrase]
            )
            if phrases is not None:
                sentence = phrases.sub(self._phrase_token, sentence)
        return sentence

    def _construction_token(self, alternative: int, match: re.Match[str]) -> str:
        """The token of the construction whose alternative (by its index) matched."""
        return _cased(self._construction_tokens[alternative], match[0])

    def _phrase_token(self, alternative: int, match: re.Match[str]) -> str:
        """The lexicon token of a matched phrase, in capitals if it was shouted."""
        return _cased(self._tokens[_phrase_key(match[0])], match[0])

    def _valences(
        self, tokens: list[str], lowered: list[str], lengths: list[int], shouting: bool
    ) -> list[float]:
        """VADER's valence of each token, read sentence by sentence, before its "but" rule.

        As polarity_scores reads a sentence: a modifier or a word VADER does not know adds
        nothing; a word of its lexicon is read as its sentiment_valence reads it (`vader`), up to
        three words before it and two after, within the sentence (`lengths`: tokens in each).
        """
        raw = [0.0] * len(tokens)
        scored = self._scored
        if scored.isdisjoint(lowered):
            return raw  # no word VADER scores: nothing to read
        lexicon = self._analyzer.lexicon
        start = 0
        for length in lengths:
            end = start + length
            words = lowered[start:end]
            if not scored.isdisjoint(words):
                written = tokens[start:end]
                # Only the words it scores (two or so a text) are visited one by one.
                for index in compress(range(length), map(scored.__contains__, words)):
                    if not (
                        words[index] == "kind" and index < length - 1 and words[index + 1] == "of"
                    ):
                        # A valence may be an int (VADER's idioms, a lexicon entry of ours):
                        # made a float here, once, the same number in every sum after.
                        raw[start + index] = float(
                            vader.word_valence(lexicon, written, words, index, shouting)
                        )
            start = end
        return raw

    def _compound(self, lowered: list[str], raw: list[float], text: str) -> float:
        """VADER's compound of a sentence: its "but" rule, then score_valence's compound alone
        (the same steps, with VADER's own functions and `vader`'s copy of its punctuation
        emphasis; a sentence needs no pos, neu or neg). Of a sentence with a valence: one without
        any scores 0.0 (see _read)."""
        sentiments = raw
        if "but" in lowered:
            # A private helper, but it is the contrastive "but" rule polarity_scores applies;
            # it reads the words in lower case, and changes the list it is given.
            sentiments = self._analyzer._but_check(lowered, list(raw))
        total = float(sum(sentiments))
        emphasis = vader.punctuation_emphasis(text)
        if total > 0:
            total += emphasis
        elif total < 0:
            total -= emphasis
        return float(round(normalize(total), 4))

    def _scores(
        self, tokens: list[str], lowered: list[str], raw: list[float], text: str
    ) -> _Scored:
        """VADER's scores of a run of tokens: its "but" rule, then its sums."""
        sentiments = raw
        if "but" in lowered:
            # A private helper, but it is the contrastive "but" rule polarity_scores applies;
            # it changes the list it is given.
            sentiments = self._analyzer._but_check(tokens, list(raw))
        compound, pos, neu, neg = vader.scores(sentiments, text)
        # Every valence is a float (see _valences), and "but" only scales them.
        return _Scored(compound, pos, neu, neg, tuple(sentiments))

    def _describe_emoji(self, sentence: str) -> tuple[str, list[str | None] | None]:
        """VADER's emoji-to-description text, and for each token the emoji it came from (None:
        the sentence has no emoji)."""
        if self._emoji_characters.isdisjoint(sentence):  # most text: nothing to describe
            return sentence.strip(), None
        # The same rewrite as polarity_scores, which scores the words of each emoji's name.
        characters: list[str] = []
        sources: list[str | None] = []
        after_space = True
        for character in sentence:
            if character == _VARIATION_SELECTOR:
                continue  # VADER would glue it to the emoji's last word ("heart\ufe0f"), unscored
            description = self._emoji.get(character)
            if description is None:
                characters.append(character)
                sources.append(None)
                after_space = character == " "
                continue
            if not after_space:
                characters.append(" ")
                sources.append(None)
            characters.extend(description)
            sources.extend([character] * len(description))
            after_space = False
        text = "".join(characters)
        return text.strip(), _token_origins(text, sources)


def _apply(rewrite: Rewrite, sentence: str) -> str:
    """`sentence` with each match of `rewrite` (its group) replaced by the rewrite's token."""

    def replace(match: re.Match[str]) -> str:
        start, end = match.span(rewrite.group)
        whole_start = match.start()
        inner = _cased(rewrite.token, match[rewrite.group])
        return match[0][: start - whole_start] + inner + match[0][end - whole_start :]

    return rewrite.pattern.sub(replace, sentence)


def _phrase_key(phrase: str) -> str:
    """A phrase as looked up: lower case, single spaces, no apostrophes ("can’t" = "cant")."""
    return " ".join(phrase.lower().replace("'", "").replace("’", "").split())


def _cased(token: str, written: str) -> str:
    """The token in capitals when the words were shouted (VADER scores capitals), else as is."""
    return token.upper() if written.isupper() else token


def _token_origins(text: str, sources: list[str | None]) -> list[str | None]:
    """For each token of `text` as str.split() (and so VADER) cuts it, the emoji it came from."""
    origins: list[str | None] = []
    inside, origin = False, None
    for character, source in zip(text, sources, strict=True):
        if character.isspace():
            if inside:
                origins.append(origin)
            inside, origin = False, None
        else:
            inside, origin = True, origin or source
    if inside:
        origins.append(origin)
    return origins


def _drivers(compound: float, influence: dict[str, float]) -> tuple[str, ...]:
    """The words that pushed the score its way, strongest first (all of them when it is 0);
    `influence`: what each word added (see `_weighed`)."""
    agreeing = [
        word
        for word, amount in influence.items()
        if amount and (compound == 0 or (amount > 0) == (compound > 0))
    ]
    agreeing.sort(key=lambda word: -abs(influence[word]))
    return tuple(agreeing[:MAX_WORDS])


def _reasons(model: tuple[str, ...], vader: tuple[str, ...]) -> tuple[str, ...]:
    """The model's reasons, its VADER reason replaced by the words behind VADER's score."""
    shown: list[str] = []
    for reason in model:
        if reason != VADER:
            if reason not in shown:
                shown.append(reason)
            continue
        for word in vader:
            if word not in shown:
                shown.append(word)
    return tuple(shown[:MAX_WORDS])


def item_text(title: str | None, text: str) -> str:
    """What is scored of an item: the title as its own sentence, then the text.

    A headline counts ("teacher arrested over abuse allegations" above a neutral summary); a
    title the text already begins with (a feed entry without a summary) is read once. The scan,
    the webhook and `monitor rescore` all score through this.
    """
    title = (title or "").strip()
    text = text.strip()
    if not title or text.startswith(title):
        return text or title
    ending = "" if title[-1] in ".!?" else "."
    return f"{title}{ending}\n{text}"


def label_of(sentiment: Sentiment, tone: Tone = DEFAULT_TONE) -> Label:
    """By the tone model's chances when it judged; else by compound and the worst sentence."""
    if sentiment.p_negative is not None and sentiment.p_positive is not None:
        return tone.by_chances(sentiment.p_negative, sentiment.p_positive)
    if sentiment.compound <= tone.negative or sentiment.most_negative <= tone.sentence:
        return Label.NEGATIVE
    if sentiment.compound >= tone.positive:
        return Label.POSITIVE
    return Label.NEUTRAL


# ---- sentences --------------------------------------------------------------------------------

_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d"
# A run of stops with closing quotes and any emoji after it; or emoji alone before a capital.
_BREAK = re.compile(
    rf"(?P<stop>[.!?…]+)[\"'”’)\]]*(?:[ \t]*[{_EMOJI}]+)*(?=\s)|[{_EMOJI}]+(?=\s+[A-Z])"
)
_NEVER_LAST = frozenset("mr mrs ms mx dr prof rev st sr jr eg ie vs cf approx".split())
_LAST_BEFORE_CAPITAL = frozenset(["etc"])
_INITIALS = frozenset("ABCDEFGHJKLMNOPQRSTUVWXYZ")  # "I." is a sentence: "…and so did I."
_NEXT_CHARACTER = re.compile(r"\s*(\S)")


# Where a break may begin: _BREAK's every match starts with one of these. re finds a single
# class fast, but tries _BREAK's alternation at every position of a line.
_BREAK_START = re.compile(f"[.!?…{_EMOJI}]")


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, as written: a line break always ends one."""
    sentences: list[str] = []
    for line in text.splitlines():
        start = 0
        for match in _breaks(line):
            if _ends_sentence(line, match):
                sentences.append(line[start : match.end()].strip())
                start = match.end()
        sentences.append(line[start:].strip())
    return [sentence for sentence in sentences if sentence]


def _breaks(line: str) -> list[re.Match[str]]:
    """`_BREAK.finditer(line)`: _BREAK tried only where a break may begin (2-3 µs less a text)."""
    found: list[re.Match[str]] = []
    position = 0
    while (candidate := _BREAK_START.search(line, position)) is not None:
        match = _BREAK.match(line, candidate.start())
        if match is None:
            position = candidate.start() + 1
        else:
            found.append(match)
            position = match.end()  # never empty: a stop or an emoji at least
    return found


def _ends_sentence(line: str, match: re.Match[str]) -> bool:
    """Whether a stop (or emoji) ends a sentence, rather than "Dr." or "e.g." inside one."""
    stop = match["stop"]
    if stop is None or "!" in stop or "?" in stop:
        return True  # "!", "?!", or emoji followed by a capital
    if stop != ".":
        return _before_capital(line, match.end())  # "I waited... and waited" goes on
    before = line[: match.start()]
    # The word the stop ends (its run of non-spaces), if it touches the stop.
    previous = before.rsplit(maxsplit=1)[-1] if before and not before[-1].isspace() else ""
    word = previous.replace(".", "").lower()
    if word in _NEVER_LAST or (len(previous) == 1 and previous in _INITIALS):
        return False  # a title or an initial: "Dr. Smith", "J. Smith"
    return _before_capital(line, match.end()) if word in _LAST_BEFORE_CAPITAL else True


def _before_capital(line: str, end: int) -> bool:
    """Whether what follows `end` (past spaces) does not start in lower case."""
    following = _NEXT_CHARACTER.match(line, end)
    return not (following is not None and following[1].islower())


@functools.cache
def default_scorer() -> SentimentScorer:
    """One shared scorer: the shipped school lexicon, no config entries; built on first use."""
    return SentimentScorer()


def score(text: str) -> Sentiment:
    """The sentiment of `text` with the school lexicon (SentimentScorer adds the config's)."""
    return default_scorer().score(text)
