"""Word matching shared by adapters and rules: school names, offensive words, rule word lists.

One normalisation everywhere: Unicode NFKC, typographic apostrophes and dashes made plain,
whitespace collapsed, case folded. A listed word or phrase matches only as whole words, so
"ass" does not match "class" or "Scunthorpe"-style traps.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources

# Typographic apostrophes and dashes are normalised so "St Example’s" matches "St Example's".
_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "`": "'", "–": "-", "—": "-", "\u00a0": " "})


def normalise(text: str) -> str:
    """Case-folded text with unified apostrophes and collapsed whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    return " ".join(text.split()).casefold()


class WordMatcher:
    """Finds listed words and phrases in texts as whole words, ignoring case and spacing.

    `hyphen_joins=True` treats a hyphen as part of a word, so a listed "gay" does not match
    inside "gay-friendly" (offensive words); school names leave it False ("Calcot-based").
    `inflected=True` lets each listed word take a plural or possessive ending and makes its
    apostrophes optional, so "Calcot Infant" also matches "Calcot Infants", "Calcot Infant's"
    and "Calcot Infants'", and "St Example's" matches "St Examples" (forum writing).
    """

    def __init__(
        self, phrases: Iterable[str], *, hyphen_joins: bool = False, inflected: bool = False
    ) -> None:
        listed = sorted({normalise(phrase) for phrase in phrases if phrase.strip()}, key=len)
        listed.reverse()  # longest first, so "Calcot Infant School" wins over "Calcot"
        word = r"[\w-]" if hyphen_joins else r"\w"
        spell = inflected_pattern if inflected else re.escape
        self._pattern = (
            re.compile(rf"(?<!{word})(?:" + "|".join(map(spell, listed)) + rf")(?!{word})")
            if listed
            else None
        )

    def __bool__(self) -> bool:
        return self._pattern is not None

    def find(self, *texts: str | None) -> list[str]:
        """The listed words that occur in any of `texts` (normalised), sorted, each once."""
        if self._pattern is None:
            return []
        found: set[str] = set()
        for text in texts:
            if text:
                found.update(self._pattern.findall(normalise(text)))
        return sorted(found)

    def matches(self, *texts: str | None) -> bool:
        """True when any of `texts` contains a listed word or phrase."""
        if self._pattern is None:
            return False
        return any(text and self._pattern.search(normalise(text)) for text in texts)


def inflected_pattern(phrase: str) -> str:
    """A regex for a normalised phrase whose words may end in 's, s' or s, apostrophes optional."""
    words = []
    for word in phrase.split(" "):
        # "example's" and "examples'" are spelled from the same stem as "example".
        stem = re.sub(r"(?:'s|s'|')$", "", word) or word
        words.append(re.escape(stem).replace("'", "'?") + r"(?:'s|s'|s|')?")
    return " ".join(words)


class AliasMatcher(WordMatcher):
    """Matches any of a school's names as whole words, ignoring case and spacing."""

    def __init__(self, aliases: Iterable[str]) -> None:
        super().__init__(aliases)


# Names often lose a last word in writing: "Calcot Infants" for "Calcot Infant School".
GENERIC_LAST_WORDS = frozenset({"school", "schools", "academy"})


def name_variants(aliases: Iterable[str]) -> Iterator[str]:
    """Each name, and the name without a generic last word when two words or more remain."""
    for alias in aliases:
        yield alias
        words = alias.split()
        if len(words) > 2 and words[-1].casefold() in GENERIC_LAST_WORDS:
            yield " ".join(words[:-1])


class SchoolMatcher(WordMatcher):
    """Matches a school's names as people write them: plurals, possessives, "School" left out."""

    def __init__(self, aliases: Iterable[str]) -> None:
        super().__init__(name_variants(aliases), inflected=True)


class OffensiveWords(WordMatcher):
    """Finds listed offensive words; a hyphenated compound ("gay-friendly") is another word."""

    def __init__(self, words: Iterable[str]) -> None:
        super().__init__(words, hyphen_joins=True)


@cache
def shipped_words(name: str) -> tuple[str, ...]:
    """A word list shipped in sources/common/data/<name>.txt (comments and blanks dropped)."""
    text = resources.files("sources.common").joinpath(f"data/{name}.txt").read_text("utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(line for line in lines if line)


def shipped_offensive_words() -> tuple[str, ...]:
    """The shipped offensive words (data/offensive_words.txt)."""
    return shipped_words("offensive_words")
