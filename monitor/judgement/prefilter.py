"""A pattern of many alternatives, tried only where one of them could match: fast on plain text.

    patterns = Alternatives(["\\bno\\s+reply\\b", "\\bavoid\\b", ...], re.I)
    patterns.sub(replace, text)     # as re.sub with "|".join of all, each in group c<index>
    patterns.for_text(Folded(text)) # that joined pattern, of only the ones that may match

Python's `re` tries every alternative at every position of the text, so a pattern of a few
hundred phrases and constructions costs far more than VADER itself. Each alternative here has
its required literals (text every match must contain, found from its parse tree); a text is
searched only with the alternatives whose literals it contains, joined in their original order
(so the first alternative to match at a place still wins), compiled once per such set.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

# The parser `re` itself uses (sre_parse before Python 3.11, which warns on import since).
_parser: Any = importlib.import_module("re._parser")
_SHORTEST = 3  # a required literal shorter than this is too common to rule anything out
_GRAM = re.compile(r"\w{3}")
_WORD_GRAM = re.compile(r"(?<!\w)\w{3}")  # the first three characters of each word


class Alternatives:
    """Patterns joined as alternatives, each in a group named c<index>, searched selectively."""

    def __init__(self, patterns: Sequence[str], flags: int = 0) -> None:
        self._patterns = tuple(patterns)
        self._flags = flags
        self._always: list[int] = []  # alternatives without a required literal
        # (literal, index) by the literal's first characters: a text is checked only for the
        # literals whose start it contains.
        self._by_gram: dict[str, list[tuple[str, int]]] = {}
        for index, pattern in enumerate(self._patterns):
            literals = required_literals(pattern, flags)
            if literals is None:
                self._always.append(index)
                continue
            for literal in literals:
                key = literal[:_SHORTEST].lower()
                self._by_gram.setdefault(key, []).append((literal, index))
        self._compiled = lru_cache(maxsize=512)(self._compile)

    def sub(self, replace: Callable[[re.Match[str]], str], text: str) -> str:
        """`text` with every match replaced, as the joined pattern would (leftmost, first wins)."""
        pattern = self.for_text(Folded(text))
        return text if pattern is None else pattern.sub(replace, text)

    def for_text(self, text: Folded) -> re.Pattern[str] | None:
        """The alternatives that may match somewhere in `text`, joined (None: none can)."""
        folded = text.lower if self._flags & re.I else text.text
        chosen = set(self._always)
        for gram in text.grams & self._by_gram.keys():
            chosen.update(index for literal, index in self._by_gram[gram] if literal in folded)
        if not chosen:
            return None
        return self._compiled(tuple(sorted(chosen)))

    def full(self) -> re.Pattern[str]:
        """Every alternative joined: the pattern `sub` behaves as."""
        return self._compiled(tuple(range(len(self._patterns))))

    def _compile(self, indexes: tuple[int, ...]) -> re.Pattern[str]:
        return re.compile(
            "|".join(f"(?P<c{index}>{self._patterns[index]})" for index in indexes), self._flags
        )


class Folded:
    """A text as `Alternatives` looks into it: as written, lower-cased, and how its words start."""

    __slots__ = ("grams", "lower", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.lower = text.lower()
        self.grams = set(_WORD_GRAM.findall(self.lower))


def top_level_alternatives(pattern: str) -> list[str]:
    """`pattern` cut at each "|" outside groups and classes: "a|(b|c)" -> ["a", "(b|c)"]."""
    parts: list[str] = []
    depth, start, index = 0, 0, 0
    in_class = False
    while index < len(pattern):
        character = pattern[index]
        if character == "\\":
            index += 2
            continue
        if in_class:
            in_class = character != "]"
        elif character == "[":
            in_class = True
            if pattern[index + 1 : index + 2] == "]":
                index += 1  # "[]…]": a "]" first in a class is a member
        elif character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
        elif character == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
        index += 1
    parts.append(pattern[start:])
    return parts


def required_literals(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Literals one of which every match of `pattern` contains, each at the start of a word.

    Lower case under re.I; None when no such literal is known. A literal counts only where the
    pattern puts it at a word start (after \\b, ^ or a space), so `Folded` need only look at the
    first characters of each word of a text.
    """
    return _required(list(_parser.parse(pattern, flags)), bool(flags & re.I), word_start=False)


def _required(
    items: list[tuple[Any, Any]], folding: bool, *, word_start: bool
) -> frozenset[str] | None:
    """For a sequence: the most selective requirement among its parts and literal runs."""
    best: frozenset[str] | None = None
    run: list[str] = []
    run_at_word_start = False
    boundary = word_start  # whether the next element starts at a word start

    def consider(found: frozenset[str] | None) -> None:
        nonlocal best
        if found is not None and (best is None or _strength(found) > _strength(best)):
            best = found

    def end_run() -> None:
        literal = "".join(run)
        if run_at_word_start and len(literal) >= _SHORTEST and _GRAM.fullmatch(literal[:_SHORTEST]):
            consider(frozenset([literal]))
        run.clear()

    for op, value in items:
        name = str(op)
        if name == "LITERAL":
            character = chr(value)
            if not run:
                run_at_word_start = boundary
            run.append(character.lower() if folding else character)
            boundary = False
            continue
        end_run()
        if name in ("ASSERT", "ASSERT_NOT"):
            # Consumes nothing; "(?<!\\w)" (no word character before) is a word start.
            boundary = boundary or (name == "ASSERT_NOT" and _no_word_before(value))
            continue
        if name == "SUBPATTERN":
            _, add_flags, del_flags, inner = value
            inner_folding = (folding or bool(add_flags & re.I)) and not del_flags & re.I
            # A literal of a case-sensitive part is still found in folded text only lowered.
            found = _required(list(inner), inner_folding, word_start=boundary)
            consider(_lowered(found, folding))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and value[0] >= 1:
            consider(_required(list(value[2]), folding, word_start=boundary))
        elif name == "BRANCH":
            consider(_branches(value[1], folding, word_start=boundary))
        elif name == "ATOMIC_GROUP":
            consider(_required(list(value), folding, word_start=boundary))
        optional = name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and value[0] == 0
        # An optional part ending in a space leaves the next at a word start if it was at one.
        boundary = _ends_a_word(name, value) and (boundary or not optional)
    end_run()
    return best


def _ends_a_word(name: str, value: Any) -> bool:
    """Whether what follows this element starts a word: it ends in \\b, ^ or whitespace."""
    if name == "AT":
        return str(value) in ("AT_BOUNDARY", "AT_BEGINNING", "AT_BEGINNING_STRING")
    if name == "IN":  # a class of spaces and punctuation only: a word starts after it
        return all(_not_a_word_character(str(op), item) for op, item in value)
    if name == "LITERAL":
        return not chr(value).isalnum() and chr(value) != "_"
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        return _last_ends_a_word(list(value[2]))
    if name == "SUBPATTERN":
        return _last_ends_a_word(list(value[3]))
    if name == "BRANCH":
        return all(_last_ends_a_word(list(branch)) for branch in value[1])
    return False


def _no_word_before(value: Any) -> bool:
    direction, inner = value
    items = list(inner)
    return (
        direction == -1
        and len(items) == 1
        and str(items[0][0]) == "IN"
        and any(str(op) == "CATEGORY" and str(item) == "CATEGORY_WORD" for op, item in items[0][1])
    )


def _not_a_word_character(op: str, item: Any) -> bool:
    if op == "CATEGORY":
        return str(item) in ("CATEGORY_SPACE", "CATEGORY_NOT_WORD")
    if op == "LITERAL":
        return not chr(item).isalnum() and chr(item) != "_"
    return False


def _last_ends_a_word(items: list[tuple[Any, Any]]) -> bool:
    return bool(items) and _ends_a_word(str(items[-1][0]), items[-1][1])


def _branches(branches: Sequence[Any], folding: bool, *, word_start: bool) -> frozenset[str] | None:
    """Alternatives: the union of what each requires, or None if one requires nothing."""
    union: set[str] = set()
    for branch in branches:
        found = _required(list(branch), folding, word_start=word_start)
        if found is None:
            return None
        union.update(found)
    return frozenset(union)


def _lowered(found: frozenset[str] | None, folding: bool) -> frozenset[str] | None:
    if found is None or not folding:
        return found
    return frozenset(literal.lower() for literal in found)


def _strength(literals: frozenset[str]) -> tuple[int, int]:
    """Longer literals (up to 4 characters: "care" is as rare as "school"), then fewer of them."""
    return (min(4, *(len(literal) for literal in literals)), -len(literals))
