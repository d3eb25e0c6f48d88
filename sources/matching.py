"""Does a text name the school? Alias matching shared by adapters that filter what they read."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Typographic apostrophes and dashes are normalised so "St Example’s" matches "St Example's".
_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "`": "'", "–": "-", "—": "-", "\u00a0": " "})


def normalise(text: str) -> str:
    """Case-folded text with unified apostrophes and collapsed whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    return " ".join(text.split()).casefold()


class AliasMatcher:
    """Matches any of a school's names as whole words, ignoring case and spacing."""

    def __init__(self, aliases: Iterable[str]) -> None:
        names = sorted(
            {normalise(alias) for alias in aliases if alias.strip()}, key=len, reverse=True
        )
        self._pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(name) for name in names) + r")(?!\w)")
            if names
            else None
        )

    def matches(self, *texts: str | None) -> bool:
        """True when any of `texts` contains an alias as whole words."""
        if self._pattern is None:
            return False
        return any(text and self._pattern.search(normalise(text)) for text in texts)
