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
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentimentIntensityAnalyzer, SentiText

from monitor.judgement.lexicon import REWRITES, Rewrite, normalise_key, shipped_lexicon
from monitor.model import Label, Sentiment

if TYPE_CHECKING:
    from monitor.config.settings import Config

MAX_WORDS = 8  # shown as "why" in the digest: a handful is enough
NEUTRAL = Sentiment(0.0, 0.0, 0.0, 0.0, 0.0, "", ())
_NO_OVERRIDES: Mapping[str, float] = MappingProxyType({})
_VARIATION_SELECTOR = "\ufe0f"  # asks for the emoji glyph of a character such as ❤


@dataclass(frozen=True, slots=True)
class _Scored:
    """VADER's scores of a text and the valence each scored word added."""

    compound: float
    pos: float
    neu: float
    neg: float
    valences: tuple[tuple[str, float], ...]


class SentimentScorer:
    """VADER with the school lexicon and config additions; build one and reuse it (slow to load)."""

    def __init__(
        self, lexicon: Mapping[str, float] = _NO_OVERRIDES, *, school: bool = True
    ) -> None:
        self._analyzer = SentimentIntensityAnalyzer()
        self._emoji: dict[str, str] = self._analyzer.emojis
        self._shown: dict[str, str] = {}  # joined token -> the phrase as written in the lexicon
        self._rewrites: tuple[Rewrite, ...] = REWRITES if school else ()
        for rewrite in self._rewrites:
            self._analyzer.lexicon[rewrite.token] = rewrite.valence
            self._shown[rewrite.token] = rewrite.shown
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
            re.compile(
                r"(?<![\w'’])(?:" + "|".join(body for _, body in phrases) + r")(?![\w'’])", re.I
            )
            if phrases
            else None
        )

    @classmethod
    def from_config(cls, config: Config) -> SentimentScorer:
        """The scorer `config` asks for: [sentiment] lexicon, with or without the school's."""
        return cls(config.sentiment.lexicon, school=config.sentiment.school_lexicon)

    def score(self, text: str) -> Sentiment:
        """The sentiment of `text`: VADER on the whole, and each sentence alone for the worst."""
        sentences = split_sentences(text)
        if not sentences:
            return NEUTRAL
        prepared = [self._prepare(sentence) for sentence in sentences]
        whole = self._score_prepared(" ".join(prepared))
        if len(prepared) == 1:
            each = [whole.compound]  # one sentence: it is the whole
        else:
            each = [self._score_prepared(sentence).compound for sentence in prepared]
        lowest = min(range(len(sentences)), key=lambda index: each[index])
        return Sentiment(
            compound=whole.compound,
            pos=whole.pos,
            neu=whole.neu,
            neg=whole.neg,
            most_negative=each[lowest],
            most_negative_sentence=sentences[lowest],
            words=_drivers(whole),
        )

    def score_item(self, title: str | None, text: str) -> Sentiment:
        """The sentiment of an item: its title first, as a sentence of its own, then its text."""
        return self.score(item_text(title, text))

    def _prepare(self, sentence: str) -> str:
        """`sentence` with rewrites and lexicon phrases turned into their tokens."""
        for rewrite in self._rewrites:
            sentence = _apply(rewrite, sentence)
        if self._phrases is not None:
            sentence = self._phrases.sub(self._phrase_token, sentence)
        return sentence

    def _phrase_token(self, match: re.Match[str]) -> str:
        """The lexicon token of a matched phrase, in capitals if it was shouted."""
        return _cased(self._tokens[_phrase_key(match[0])], match[0])

    def _score_prepared(self, text: str) -> _Scored:
        """VADER's polarity_scores, step by step, keeping the valence each token added."""
        text, origins = self._describe_emoji(text)
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
            origin or self._shown.get(token.lower(), token.lower())
            for token, origin in zip(tokens, origins, strict=True)
        ]
        return _Scored(
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


def _drivers(scored: _Scored) -> tuple[str, ...]:
    """The words that pushed the score its way, strongest first (all of them when it is 0)."""
    influence: dict[str, float] = {}
    for word, valence in scored.valences:
        influence[word] = influence.get(word, 0.0) + valence
    compound = scored.compound
    agreeing = [
        word
        for word, amount in influence.items()
        if amount and (compound == 0 or (amount > 0) == (compound > 0))
    ]
    agreeing.sort(key=lambda word: -abs(influence[word]))
    return tuple(agreeing[:MAX_WORDS])


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


def label_of(
    sentiment: Sentiment, negative_threshold: float = -0.5, positive_threshold: float = 0.5
) -> Label:
    """negative if the whole or its worst sentence is ≤ the threshold; else by compound."""
    if min(sentiment.compound, sentiment.most_negative) <= negative_threshold:
        return Label.NEGATIVE
    if sentiment.compound >= positive_threshold:
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
    """One shared scorer: the shipped school lexicon, no config entries; built on first use."""
    return SentimentScorer()


def score(text: str) -> Sentiment:
    """The sentiment of `text` with the school lexicon (SentimentScorer adds the config's)."""
    return default_scorer().score(text)
