"""The rules' word lists: shipped in monitor/judgement/data/<name>.txt, extended by [alerts]."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources

from sources.common.words import OffensiveWords, WordMatcher

SAFEGUARDING = "safeguarding_words"
EXTREMISM = "extremism_words"
ABUSIVE = "abusive_words"


@cache
def shipped(name: str) -> tuple[str, ...]:
    """A word list shipped in monitor/judgement/data/<name>.txt (comments, blank lines dropped)."""
    text = resources.files("monitor.judgement").joinpath(f"data/{name}.txt").read_text("utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(line for line in lines if line)


def matcher(name: str, extra: Iterable[str] = ()) -> WordMatcher:
    """Whole-word matcher of a shipped list plus `extra`; a hyphenated compound is another word."""
    # OffensiveWords: "gay-friendly" is not "gay", "self-harm" is matched only as written.
    return OffensiveWords([*shipped(name), *extra])
