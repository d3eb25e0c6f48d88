"""Alternatives tried only where their literals occur behave exactly as the joined pattern."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from random import Random

import pytest

from benchmarks.sentiment import DEV, read_old_set, read_school_talk
from monitor.judgement.prefilter import (
    DIGIT,
    Alternatives,
    Index,
    fold,
    requirements,
    top_level_alternatives,
)
from monitor.judgement.sentiment import SentimentScorer, split_sentences


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"\bno\s+reply\b", [{"reply"}]),
        (r"\b(?:never|not)\s+(?:once\s+)?marked\b", [{"never", "not"}, {"marked"}]),
        (r"\b(?:sad|gutted)\s+to\s+leave\b", [{"sad", "gutted"}, {"leave"}]),
        (r"\b(?-i:Miss)\s+[A-Z]\w+", [{"miss"}]),
        (r"^\W*(?:genius|right)\W*$", [{"genius", "right"}]),
        (r"\bwould\s+(?:\w+\s+)?be\b", [{"would"}]),
        (r"\bhalf[- ]term\b", [{"half"}, {"term"}]),  # a class of punctuation ends a word
        (r"(?<![\w'])special\s+needs(?![\w'])", [{"special"}, {"needs"}]),
        (r"\bsorted\s+(?:out\s+)?(?:quickly|at\s+once)", [{"sorted"}, {"quickly", "once"}]),
        (r"\bcaf\u00e9\s+menu", []),  # an escape it does not read: tried on every text
        (r"\bcafé\s+menu\b", [{"caf"}, {"menu"}]),  # past ASCII, re.IGNORECASE is not lower()
        (r"xyz(?:abc)?", [{"xyz"}]),  # inside a word too: the index finds it anywhere
        (r"\b(?:nobody|no\s+one|no-one)\s+told", [{"nobody", "one", "no-one"}, {"told"}]),
        (r"\b(?:a|an)\b", []),  # too short to rule anything out
        (r"\bthe\w+", [{"the"}]),
        # A run of literals and groups of literal alternatives: each string it may be.
        (r"\bha(?:ve|s|d)\s+not\b", [{"have", "has", "had"}, {"not"}]),
        (
            r"\b(?:ha(?:ve|s|d)n['’]?t|not)\s+replied",
            [{"haven", "hasn", "hadn", "not"}, {"replied"}],
        ),
        (r"\b(?:was|were)n't\b", [{"wasn't", "weren't"}]),
        (r"\bha(?:ve|s|d)", [{"have", "has", "had"}]),
        (r"\bha(?:ve|s|)\b", []),  # "ha" is one of them: too short
        # What a lookahead holds, the text holds; not so a negative one.
        (r"\bgreat\W+(?=more\b|so\s+now\b)", [{"great"}, {"more", "now"}]),
        (r"\bsend\s+(?!not\b)\w+", [{"send"}]),
        # A class of characters without case, neither word characters nor spaces: anywhere.
        (r"\bthe\s+['\"‘“]good\b", [{"the"}, {"'", '"', "‘", "“"}, {"good"}]),
        (r"\bwell[,!]+", [{"well"}, {",", "!"}]),
        (r"\bwell[,!Ⓐ]", [{"well"}]),  # re.IGNORECASE takes "ⓐ" for "Ⓐ"
        (r"\bwell[^,!]", [{"well"}]),
        # A digit (\d: any Unicode one), anywhere: "2nd time" holds one.
        (r"\b(?:second|\d+(?:st|nd))\s+time", [{"second", DIGIT}, {"time"}]),
        (r"\b\d+\s+times\b", [{DIGIT}, {"times"}]),
        (r"\b[\d]+\s+times\b", [{"times"}]),  # (in a class: not read)
    ],
)
def test_requirements_are_the_literals_every_match_holds(
    pattern: str, literals: list[set[str]]
) -> None:
    assert [set(each) for each in requirements(pattern, re.I | re.M)] == literals


def test_ignorecase_takes_only_four_characters_past_ascii_for_an_ascii_letter() -> None:
    """`fold` folds these four for re.IGNORECASE: lower() alone misses them."""
    every = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    assert set(re.findall("[a-z]", every, re.I)) - set(string.ascii_letters) == set("ıİſ\u212a")
    assert fold("KID İS ſure ı") == "kid is sure i"


def test_the_characters_required_anywhere_are_only_themselves_under_ignorecase() -> None:
    """A required character without case is looked for as it is: re.IGNORECASE agrees."""
    every = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    scorer = SentimentScorer()
    assert scorer._constructions is not None and scorer._phrases is not None
    characters = {
        literal
        for pattern in (*scorer._constructions.compiled, *scorer._phrases.compiled)
        for requirement in requirements(pattern.pattern, pattern.flags)
        for literal in requirement
        if len(literal) == 1
    }
    assert {"'", '"', "‘", "“"} <= characters  # "the ‘outstanding’ school"
    for character in characters:
        assert re.findall(re.escape(character), every, re.I) == [character]
    assert re.findall("Ⓐ", every, re.I) == ["Ⓐ", "ⓐ"]  # why a cased one is never required


def test_top_level_alternatives_cut_only_outside_groups_and_classes() -> None:
    assert top_level_alternatives(r"a|(b|c)|[|]|d\|e") == ["a", "(b|c)", "[|]", r"d\|e"]


def test_selective_search_replaces_exactly_as_the_joined_pattern() -> None:
    scorer = SentimentScorer()
    texts = [example.text for example in (*read_school_talk(DEV), *read_old_set())]
    texts += [  # what the reader's groups of literals, lookaheads and quotes require
        "They haven't replied. She hasn’t responded! He hadnt answered. We weren't told.",
        "It has not been looked into, and they had not replied to my letter",
        "Their 'outstanding' care. The “caring” ethos, so-called 'family' feel; the \"good\" one",
        "Brilliant, more homework! Great... so now we wait. Lovely!! just what we needed",
        "Oh brilliant. Ah great, thanks for that",
    ]
    checked = 0
    for patterns, token in (
        (scorer._constructions, scorer._construction_token),
        (scorer._phrases, scorer._phrase_token),
    ):
        assert isinstance(patterns, Alternatives)
        full = patterns.full()

        def joined(match: re.Match[str], token: Callable[[int, re.Match[str]], str] = token) -> str:
            return token(int(str(match.lastgroup)[1:]), match)

        for text in texts:
            for sentence in split_sentences(text):
                assert patterns.sub(token, sentence) == full.sub(joined, sentence)
                checked += 1
    assert checked > 1000


@pytest.mark.parametrize(
    "text",
    [
        "A good school.",  # two alternatives match at one place: the one listed first wins
        "Such a good school trip, no reply yet",  # a later match overlaps the first: searched on
        "no reply no reply yet, good school trip and a good school",
        "NO REPLY from a ſchool İn a GOOD school",  # re.IGNORECASE's letters past ASCII
        "nothing here at all",
    ],
)
def test_chosen_alternatives_merge_their_matches_as_the_joined_pattern(text: str) -> None:
    patterns = Alternatives(
        [
            r"\bgood\b",
            r"\bgood\s+school\b",
            r"\bschool\s+trip\b",
            r"\bno\s+reply\s+yet\b",
            r"\bno\s+reply\b",
            r"\bin\s+a\b",
        ],
        re.I,
    )
    full = patterns.full()
    replaced = patterns.sub(lambda index, match: f"<{index}:{match[0]}>", text)
    assert replaced == full.sub(lambda match: f"<{str(match.lastgroup)[1:]}:{match[0]}>", text)


def test_an_alternative_that_may_match_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="may match nothing"):
        Alternatives([r"\bno\s+reply\b", r"(?:very\s+)?"], re.I)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sad to see her leaving.", [0]),  # both requirements
        ("Leaving now, sadly.", [0]),  # a prefix of the word is enough ("sadly")
        ("Leaving was not an unsad day.", [0]),  # or any part of one: a prefilter may choose more
        ("Leaving was not an unhappy day.", []),
        ("Sad to see her go.", []),  # "leaving" missing
        ("Leaving now.", []),  # "sad" or "gutted" missing
        ("GUTTED that the head is LEAVING.", [0]),  # folded
        ("No word yet, still waiting.", [1]),  # a pattern of one requirement
        ("The 'caring' school", [2]),  # a quote anywhere, and the words
        ("The caring school", []),  # no quote
        ("A 'caring' school", []),  # no "the"
        ("Off sick for the 3rd time", [3]),  # "time", and a digit or "second"
        ("Off sick for the second time", [3]),
        ("Off sick for the ٣rd time", [3]),  # a digit past ASCII: \d matches it too
        ("Off sick for the last time", []),
    ],
)
def test_an_index_chooses_patterns_whose_every_requirement_a_text_holds(
    text: str, expected: list[int]
) -> None:
    patterns = [
        r"\b(?:sad|gutted)[^.]*\bleaving",
        r"\bstill\s+waiting\b",
        r"\bthe\s+['\"]caring\b",
        r"\b(?:second|\d+(?:st|nd|rd|th))\s+time\b",
    ]
    index = Index([re.compile(pattern, re.I) for pattern in patterns])
    assert index.matching(text) == expected


def test_folding_keeps_every_digit() -> None:
    """A digit required anywhere is looked for in the folded text: fold changes none."""
    every = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    digits = "".join(re.findall(r"\d", every))
    assert len(digits) > 600 and fold(digits) == digits


def test_a_pattern_that_requires_only_characters_is_tried_on_every_text() -> None:
    index = Index([re.compile(r"[!?]{2}", re.I), re.compile(r"\bwow[!?]{2}", re.I)])
    assert index.matching("Nothing to see") == [0]
    assert index.matching("Wow!!") == [0, 1]
    assert index.matching("Wow.") == [0]


def _built_sentences(literals: list[str], count: int) -> list[str]:
    """Sentences of required literals as a text may hold them: in any case, inside words, with
    re.IGNORECASE's lookalikes past ASCII, overlapping one another, among quotes and digits."""
    random = Random(18)
    words = [literal for literal in literals if len(literal) > 1 and literal != DIGIT]
    characters = [literal for literal in literals if len(literal) == 1] + list("'\"‘’“”")
    characters += ["2", "\u0663", "\uff17"]  # digits, in ASCII and past it (\d matches them)
    by_start: dict[str, list[str]] = {}
    for word in words:
        by_start.setdefault(word[:2], []).append(word)
    lookalikes = {"i": "ıİ", "s": "ſ", "k": "\u212a"}
    sentences = []
    for _ in range(count):
        pieces = []
        for _ in range(random.randint(1, 9)):
            piece = random.choice(words + characters + ["and", "was", "xq"])
            shape = random.randrange(6)
            if shape == 0:
                piece = piece.upper()
            elif shape == 1:
                piece = random.choice(["un", "x", "'"]) + piece + random.choice(["ly", "s", ""])
            elif shape == 2:  # a letter as a lookalike (or a lookalike in upper case)
                letters = [at for at, letter in enumerate(piece) if letter in lookalikes]
                if letters:
                    at = random.choice(letters)
                    piece = piece[:at] + random.choice(lookalikes[piece[at]]) + piece[at + 1 :]
            elif shape == 3 and (following := by_start.get(piece[-2:])):
                piece = piece[:-2] + random.choice(following)  # two literals sharing letters
            elif shape == 4:
                piece = piece[: random.randint(1, len(piece))]  # part of one: not it
            pieces.append(piece)
            pieces.append(random.choice([" ", " ", "", ", ", "‘", "“"]))
        sentences.append("".join(pieces))
    return sentences


def test_an_index_chooses_what_plain_search_for_each_requirement_does() -> None:
    """`matching` is every pattern whose every requirement holds by `in` on the text (folded,
    under re.IGNORECASE; a digit by \\d), plus those requiring no word; and it never leaves out
    one that matches."""

    def holds(literal: str, within: str) -> bool:
        return re.search(r"\d", within) is not None if literal == DIGIT else literal in within

    def weak(literal: str) -> bool:  # a requirement of one: never what a pattern is filed under
        return len(literal) == 1 or literal == DIGIT

    scorer = SentimentScorer()
    assert scorer._constructions is not None and scorer._phrases is not None
    folding = [
        *(rewrite.pattern for rewrite in scorer._rewrites),
        *scorer._constructions.compiled,
        *scorer._phrases.compiled,
    ]
    exact = [re.compile(pattern.pattern, pattern.flags & ~re.I) for pattern in folding]
    texts = [example.text for example in read_school_talk(DEV)]
    sentences = [sentence for text in texts for sentence in split_sentences(text)]
    for patterns in (folding, exact):
        found = [requirements(pattern.pattern, pattern.flags) for pattern in patterns]
        literals = sorted({literal for each in found for required in each for literal in required})
        index = Index(patterns)
        assert len(literals) > 500
        for sentence in [*sentences, *_built_sentences(literals, 3000)]:
            within = fold(sentence) if patterns is folding else sentence
            expected = [
                number
                for number, each in enumerate(found)
                if all(any(weak(literal) for literal in required) for required in each)
                or all(any(holds(literal, within) for literal in required) for required in each)
            ]
            assert index.matching(sentence) == expected, sentence
            if patterns is folding:  # as the scorer's
                matched = {n for n, pattern in enumerate(patterns) if pattern.search(sentence)}
                assert matched <= set(expected), sentence
