"""Sentiment: VADER on each sentence, combined by sentence length, with the words that drove it.

    scorer = SentimentScorer({"requires improvement": -2.0})   # once: VADER loads its lexicon
    scorer.score("Ofsted said the school requires improvement.") -> Sentiment

VADER reads capitals, "!!!" and emoji, so text reaches it as written: never lowercased or
stripped. Its lexicon holds single tokens; a configured phrase is matched in the text and joined
into one token ("requires_improvement") that the lexicon then knows.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentimentIntensityAnalyzer, SentiText

from monitor.model import Sentiment

MAX_WORDS = 8  # shown as "why" in the digest: a handful is enough
NEUTRAL = Sentiment(0.0, 0.0, 0.0, 0.0, 0.0, "", ())
_NO_OVERRIDES: Mapping[str, float] = MappingProxyType({})
_VARIATION_SELECTOR = "\ufe0f"  # asks for the emoji glyph of a character such as ❤


@dataclass(frozen=True, slots=True)
class _SentenceScore:
    """VADER's scores of one sentence and the valence each scored word added."""

    text: str
    weight: int  # words in the sentence
    compound: float
    pos: float
    neu: float
    neg: float
    valences: tuple[tuple[str, float], ...]


class SentimentScorer:
    """VADER with lexicon additions and overrides; build one and reuse it (loading is slow)."""

    def __init__(self, lexicon: Mapping[str, float] = _NO_OVERRIDES) -> None:
        self._analyzer = SentimentIntensityAnalyzer()
        self._emoji: dict[str, str] = self._analyzer.emojis
        self._phrases: dict[str, str] = {}  # joined token -> the phrase as configured
        patterns: list[tuple[int, re.Pattern[str]]] = []
        for key, valence in lexicon.items():
            words = key.lower().split()
            if not words:
                continue
            token = "_".join(words)
            self._analyzer.lexicon[token] = float(valence)
            if len(words) > 1:
                self._phrases[token] = " ".join(words)
                body = r"\s+".join(re.escape(word) for word in words)
                patterns.append((len(words), re.compile(rf"(?<![\w']){body}(?![\w'])", re.I)))
        # Longest first, so "does not require improvement" wins over "require improvement".
        self._patterns = [pattern for _, pattern in sorted(patterns, key=lambda p: -p[0])]

    def score(self, text: str) -> Sentiment:
        """The sentiment of `text`: sentences scored alone, then averaged by their length."""
        sentences = [self._score_sentence(sentence) for sentence in split_sentences(text)]
        if not sentences:
            return NEUTRAL
        total = sum(sentence.weight for sentence in sentences)

        def mean(values: list[float]) -> float:
            weighted = sum(value * s.weight for value, s in zip(values, sentences, strict=True))
            return round(weighted / total, 4)

        compound = mean([sentence.compound for sentence in sentences])
        lowest = min(sentences, key=lambda sentence: sentence.compound)
        return Sentiment(
            compound=compound,
            pos=mean([sentence.pos for sentence in sentences]),
            neu=mean([sentence.neu for sentence in sentences]),
            neg=mean([sentence.neg for sentence in sentences]),
            most_negative=lowest.compound,
            most_negative_sentence=lowest.text,
            words=_drivers(sentences, total, compound),
        )

    def _score_sentence(self, sentence: str) -> _SentenceScore:
        """VADER's polarity_scores, step by step, keeping the valence each token added."""
        text, origins = self._describe_emoji(self._join_phrases(sentence))
        sentitext = SentiText(text)
        tokens: list[str] = sentitext.words_and_emoticons
        sentiments: list[float] = []
        for index, token in enumerate(tokens):
            lower = token.lower()
            following = tokens[index + 1].lower() if index + 1 < len(tokens) else ""
            if lower in BOOSTER_DICT or (lower == "kind" and following == "of"):
                sentiments.append(0.0)  # modifiers change their neighbours, not the sum
                continue
            sentiments = self._analyzer.sentiment_valence(0, sentitext, token, index, sentiments)
        # A private helper, but it is the contrastive "but" rule polarity_scores applies.
        sentiments = self._analyzer._but_check(tokens, sentiments)
        scores = self._analyzer.score_valence(sentiments, text)
        shown = [
            origin or self._phrases.get(token.lower(), token.lower())
            for token, origin in zip(tokens, origins, strict=True)
        ]
        return _SentenceScore(
            text=sentence,
            weight=len(sentence.split()),
            compound=float(scores["compound"]),
            pos=float(scores["pos"]),
            neu=float(scores["neu"]),
            neg=float(scores["neg"]),
            valences=tuple(
                (word, float(valence))
                for word, valence in zip(shown, sentiments, strict=True)
                if valence
            ),
        )

    def _join_phrases(self, sentence: str) -> str:
        """`sentence` with each configured phrase joined into its lexicon token, case kept."""
        for pattern in self._patterns:
            sentence = pattern.sub(lambda match: "_".join(match[0].split()), sentence)
        return sentence

    def _describe_emoji(self, sentence: str) -> tuple[str, list[str | None]]:
        """VADER's emoji-to-description text, and for each token the emoji it came from."""
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


def _drivers(sentences: list[_SentenceScore], total: int, compound: float) -> tuple[str, ...]:
    """The words that pushed the score its way, strongest first (all of them when it is 0)."""
    influence: dict[str, float] = {}
    for sentence in sentences:
        for word, valence in sentence.valences:
            influence[word] = influence.get(word, 0.0) + valence * sentence.weight / total
    agreeing = [
        word
        for word, amount in influence.items()
        if amount and (compound == 0 or (amount > 0) == (compound > 0))
    ]
    agreeing.sort(key=lambda word: -abs(influence[word]))
    return tuple(agreeing[:MAX_WORDS])


# ---- sentences --------------------------------------------------------------------------------

_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d"
# A run of stops with closing quotes and any emoji after it; or emoji alone before a capital.
_BREAK = re.compile(
    rf"(?P<stop>[.!?…]+)[\"'”’)\]]*(?:[ \t]*[{_EMOJI}]+)*(?=\s)|[{_EMOJI}]+(?=\s+[A-Z])"
)
_NEVER_LAST = frozenset("mr mrs ms mx dr prof rev st sr jr eg ie vs cf approx".split())
_LAST_BEFORE_CAPITAL = frozenset(["etc"])


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, as written: a line break always ends one."""
    sentences: list[str] = []
    for line in text.splitlines():
        start = 0
        for match in _BREAK.finditer(line):
            if _ends_sentence(line, match):
                sentences.append(line[start : match.end()].strip())
                start = match.end()
        sentences.append(line[start:].strip())
    return [sentence for sentence in sentences if sentence]


def _ends_sentence(line: str, match: re.Match[str]) -> bool:
    """Whether a stop (or emoji) ends a sentence, rather than "Dr." or "e.g." inside one."""
    stop = match["stop"]
    following = line[match.end() :].lstrip()
    before_capital = not following[:1].islower()
    if stop is None or "!" in stop or "?" in stop:
        return True  # "!", "?!", or emoji followed by a capital
    if stop != ".":
        return before_capital  # "I waited... and waited" goes on; "... Then" starts anew
    previous = re.search(r"(\S+)$", line[: match.start()])
    word = previous[1].replace(".", "").lower() if previous else ""
    if word in _NEVER_LAST or (previous and re.fullmatch(r"[A-HJ-Z]", previous[1])):
        return False  # a title or an initial: "Dr. Smith", "J. Smith"
    return before_capital if word in _LAST_BEFORE_CAPITAL else True


@functools.cache
def default_scorer() -> SentimentScorer:
    """One shared scorer without lexicon overrides, built on first use."""
    return SentimentScorer()


def score(text: str) -> Sentiment:
    """The sentiment of `text` by plain VADER (SentimentScorer applies the config's lexicon)."""
    return default_scorer().score(text)
