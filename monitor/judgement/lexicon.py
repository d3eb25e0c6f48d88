"""The school lexicon shipped with the package, and the rewrites VADER's word list cannot express.

    shipped_lexicon() -> {"special measures": -2.5, "went the extra mile": 2.8, ...}
    REWRITES: sarcastic praise ("Oh brilliant, another training day"), praise told through a
    negation ("can't recommend them enough"), and a bad grade that belongs to a school the
    family left ("we moved her from a school in special measures").

A rewrite turns the words it recognises into one token with its own valence, so VADER then
scores the sentence as usual: capitals, "!!!", "but" and the negations around it still count.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

_PRAISE = (
    "brilliant|great|fantastic|wonderful|lovely|perfect|marvellous|super|excellent|amazing"
    "|fab|fabulous|terrific|splendid|outstanding|superb"
)
_NOT = r"(?:can['’]?t|cannot|can not|could\s?n['’]?t|could not)"
_GRADES = r"special\s+measures|inadequate|requires?\s+improvement|serious\s+weaknesses"


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A pattern whose `group` is replaced by `token` (valence `valence`, shown as `shown`)."""

    name: str
    pattern: re.Pattern[str]
    token: str
    valence: float
    shown: str
    group: int | str = 0


REWRITES: tuple[Rewrite, ...] = (
    # "Oh brilliant, another training day with two days' notice": praise said through gritted teeth.
    Rewrite(
        "sarcasm",
        # Only "Oh brilliant," as an aside: "Oh brilliant news, we got a place!" is praise.
        re.compile(
            rf"^\W*(?:oh|ah)\W+(?:how\s+|just\s+|really\s+)?(?P<w>{_PRAISE})\s*[,!.…]", re.I
        ),
        "sarcastic_praise",
        -2.5,
        "sarcasm",
        "w",
    ),
    Rewrite(
        "sarcasm",
        re.compile(
            rf"^\W*(?:just\s+|really\s+)?(?P<w>{_PRAISE})\s*[,!.…]+\s*"
            r"(?=(?:yet\s+)?another\b|more\b|so\s+now\b|just\s+what\b|thanks\s+for\b|cheers\b)",
            re.I,
        ),
        "sarcastic_praise",
        -2.5,
        "sarcasm",
        "w",
    ),
    # "I can't recommend this school highly enough": VADER negates "recommend".
    Rewrite(
        "praise through a negation",
        re.compile(
            rf"\b{_NOT}\s+(?:recommend|praise|thank|rate)\s+(?:[\w'’]+\s+){{0,5}}?enough\b", re.I
        ),
        "cant_praise_enough",
        3.0,
        "can't recommend … enough",
    ),
    # "We moved him from a school in special measures": a grade, but of the school they left.
    Rewrite(
        "another school's grade",
        re.compile(
            r"(?:\b(?:left|leaving|moved|moving|escaped|transferred|pulled|removed)\b[^.!?\n]{0,40}?"
            r"\b(?:(?:an?|their|his|her|our|my)\s+(?:[\w'’-]+\s+){0,2}?)?(?:school|one)\b"
            r"|\b(?:old|previous|former|last|other)\s+school\b)"
            rf"[^.!?\n]{{0,60}}?\b(?P<g>{_GRADES})\b",
            re.I,
        ),
        "another_schools_grade",
        0.0,
        "another school's grade",
        "g",
    ),
)


@cache
def shipped_lexicon() -> Mapping[str, float]:
    """The valences in data/school_lexicon.txt, keyed by lower-case word or phrase."""
    text = (
        resources.files("monitor.judgement").joinpath("data/school_lexicon.txt").read_text("utf-8")
    )
    entries: dict[str, float] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        phrase, _, valence = line.rpartition(" ")
        try:
            entries[normalise_key(phrase)] = float(valence)
        except ValueError:
            raise ValueError(f"school_lexicon.txt line {number}: {raw!r}") from None
    return MappingProxyType(entries)


def normalise_key(phrase: str) -> str:
    """A lexicon key as stored: lower case, single spaces, plain apostrophes."""
    return " ".join(phrase.replace("’", "'").lower().split())
