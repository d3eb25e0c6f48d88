"""A pattern of many alternatives, searched only with those a text may hold: fast on plain text.

    patterns = Alternatives(["\\bno\\s+reply\\b", "\\bavoid\\b", ...], re.I)
    chosen = patterns.for_text(text)  # the alternatives whose required words it holds
    chosen.sub(replace, sentence)     # as re.sub of "|".join of all: same matches

Python's `re` tries every alternative at every position of the text, so one pattern of a few
hundred phrases and constructions costs far more than VADER itself; and joining, per text, just
the alternatives it may hold costs a compilation (about a millisecond) for nearly every text,
since each holds a different few. So each alternative is compiled once on its own, with the
literals every match of it contains (`requirements`, read from the pattern's text); a text is
searched only with the alternatives whose every requirement it holds, and `Chosen.sub` merges
their matches as the joined pattern would: leftmost first, and at one place the alternative
listed first.

Which requirements a text holds is found in one pass over it (`Index`): an Aho-Corasick
automaton (pyahocorasick, in C) of every literal of every requirement reports each one the text
holds. Looking for each of several hundred literals with `in` reads the text once a literal;
first finding the few that could start one of its words, as the index did before, cost 11 µs a
text on the development half, the automaton's pass 3.5 µs, and all the index does now 7 µs.

Requirements are found by a small reader of the pattern's text (`re` has no public parser). It
knows the syntax these patterns use; anything else it does not claim a requirement for, so an
alternative it cannot read is tried on every text: slower, never wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ahocorasick

_SHORTEST = 3  # a required literal shorter than this is too common to rule anything out
_MOST_STRINGS = 32  # a run of literals read as one of this many strings at most
# The characters outside ASCII that re.IGNORECASE takes for an ASCII letter (tested on every
# code point): a text holding one is folded so that a required ASCII literal is still found.
_ASCII_LOOKALIKES = str.maketrans({"ı": "i", "İ": "i", "ſ": "s", "\u212a": "k"})

Requirement = frozenset[str]  # one of these literals occurs in every match
# In a requirement, any decimal digit (`\d`: any Unicode one, which re.IGNORECASE leaves as
# it is), looked for by a search: "\d+(?:st|nd|rd|th)" holds one. Not a literal (a literal is
# one character or three and more), never one a pattern is filed under.
DIGIT = "\\d"
_DIGIT = re.compile(r"\d")
# A requirement as `Index` checks it: its literals of several characters, found by the
# automaton, its single characters, looked for in the text, and whether a digit will do.
_Rest = tuple[frozenset[str], tuple[str, ...], bool]


def fold(text: str) -> str:
    """`text` as re.IGNORECASE compares it with an ASCII literal: in lower case, and the few
    other characters it takes for an ASCII letter made that letter (lower() alone would miss
    them, and turn "İ" into two characters)."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOOKALIKES).lower()


class Index:
    """Which of several patterns a text may match: those whose every requirement it holds.

    Each pattern is filed under the literals of its most selective requirement. One pass of an
    automaton over the text finds every literal of every requirement that it holds; a pattern
    filed under one of them is kept if the text holds its other requirements too. A requirement
    of single characters (a class of quotes) is looked for with `in`, and a digit by a search,
    and only then; a pattern that requires nothing but those is tried on every text.
    """

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self._folding = bool(patterns[0].flags & re.I) if patterns else True
        self._always: list[int] = []  # patterns without a known requirement
        # By literal (lower case under re.I): the patterns it selects, each with the rest of
        # its requirements (of each, its literals of a few characters, then its single
        # characters), so that a literal found is looked up once however many it selects.
        self._selects: dict[str, list[tuple[int, tuple[_Rest, ...]]]] = {}
        words: set[str] = set()  # every literal longer than a character
        for index, pattern in enumerate(patterns):
            if bool(pattern.flags & re.I) != self._folding:
                raise ValueError("the patterns of an index are all case-insensitive, or none")
            found = requirements(pattern.pattern, pattern.flags)
            best = max(found, key=_strength, default=frozenset[str]())
            if _strength(best)[0] < _SHORTEST:  # nothing selective to file it under
                self._always.append(index)
                continue
            rest = tuple(
                (
                    frozenset(literal for literal in each if len(literal) > 1) - {DIGIT},
                    tuple(sorted(literal for literal in each if len(literal) == 1)),
                    DIGIT in each,
                )
                for each in found
                if each is not best
            )
            words.update(literal for each in found for literal in each if len(literal) > 1)
            words.discard(DIGIT)
            for literal in sorted(best):
                self._selects.setdefault(literal, []).append((index, rest))
        self._automaton: ahocorasick.Automaton[str] | None = None
        if words:  # (one of no words cannot search: "not an Aho-Corasick automaton yet")
            self._automaton = ahocorasick.Automaton()
            for word in words:
                self._automaton.add_word(word, word)
            self._automaton.make_automaton()

    def matching(self, text: str) -> list[int]:
        """The patterns that may match somewhere in `text`, in their order."""
        automaton = self._automaton
        if automaton is None:  # no pattern requires a word
            return list(self._always)
        within = fold(text) if self._folding else text
        present = {word for _, word in automaton.iter(within)}
        chosen = set(self._always)
        # Loops, not all() of any(): generators cost more than the look-ups (measured).
        for literal in present:
            for index, rest in self._selects.get(literal, ()):
                for words, characters, digit in rest:
                    # None of its words: then one of its characters, or a digit, may do.
                    if present.isdisjoint(words) and not _holds_one(within, characters, digit):
                        break  # a requirement the text does not hold
                else:
                    chosen.add(index)
        return sorted(chosen)


def _holds_one(text: str, characters: tuple[str, ...], digit: bool) -> bool:
    """Whether `text` holds one of `characters`, or a digit when one will do."""
    for character in characters:
        if character in text:
            return True
    return digit and _DIGIT.search(text) is not None


class Chosen:
    """Some alternatives of an `Alternatives`, each compiled on its own, matched as if joined."""

    __slots__ = ("_patterns",)

    def __init__(self, patterns: Sequence[tuple[int, re.Pattern[str]]]) -> None:
        self._patterns = tuple(patterns)  # (index among all alternatives, pattern), in order

    def sub(self, replace: Callable[[int, re.Match[str]], str], text: str) -> str:
        """`text` with each match replaced by `replace(index, match)`, as re.sub would do it
        with the chosen alternatives joined: the leftmost match first, at one place the
        alternative listed first, then on from its end (no alternative matches nothing)."""
        # Chosen for a whole text, most are not in a given sentence of it; a search says so
        # sooner than looking for their literals again (measured).
        if len(self._patterns) == 1:  # re.sub itself
            index, pattern = self._patterns[0]
            return pattern.sub(lambda match: replace(index, match), text)
        upcoming = [(index, pattern, pattern.search(text)) for index, pattern in self._patterns]
        pieces: list[str] = []
        position = 0
        while True:
            first: tuple[int, re.Match[str]] | None = None
            for slot, (index, pattern, match) in enumerate(upcoming):
                if match is not None and match.start() < position:
                    # Overlapped by the last replacement: its next match from there on.
                    match = pattern.search(text, position)
                    upcoming[slot] = (index, pattern, match)
                if match is not None and (first is None or match.start() < first[1].start()):
                    first = (index, match)
            if first is None:
                break
            index, match = first
            pieces.append(text[position : match.start()])
            pieces.append(replace(index, match))
            position = match.end()
        if not pieces:
            return text
        pieces.append(text[position:])
        return "".join(pieces)


class Alternatives:
    """Patterns tried as alternatives of one pattern, each only on texts that may hold it."""

    def __init__(self, patterns: Sequence[str], flags: int = 0) -> None:
        self._patterns = tuple(patterns)
        self._flags = flags
        compiled = [re.compile(pattern, flags) for pattern in self._patterns]
        for pattern in self._patterns:
            if not _never_empty(pattern):
                # Merging matches one by one is re.sub's only for matches of some length.
                raise ValueError(f"an alternative that may match nothing: {pattern!r}")
        self.compiled: tuple[re.Pattern[str], ...] = tuple(compiled)
        self._index = Index(compiled)
        self._entries = list(enumerate(compiled))

    def for_text(self, text: str) -> Chosen | None:
        """The alternatives that may match somewhere in `text` (None: none can)."""
        return self.chosen(self._index.matching(text))

    def chosen(self, indices: Sequence[int]) -> Chosen | None:
        """The alternatives of these indices, in order (from an `Index` of `compiled`, or one
        that holds them among other patterns); None for none."""
        return Chosen([self._entries[index] for index in indices]) if indices else None

    def sub(self, replace: Callable[[int, re.Match[str]], str], text: str) -> str:
        """`text` with every match replaced, as the joined pattern would (leftmost, first wins)."""
        chosen = self.for_text(text)
        return text if chosen is None else chosen.sub(replace, text)

    def full(self) -> re.Pattern[str]:
        """Every alternative joined, each in a group named c<index>: what `sub` behaves as."""
        return re.compile(
            "|".join(f"(?P<c{index}>{pattern})" for index, pattern in enumerate(self._patterns)),
            self._flags,
        )


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


def requirements(pattern: str, flags: int = 0) -> tuple[Requirement, ...]:
    """What every match of `pattern` contains: one literal of each requirement (none known: ()).

    Literals are lower case under re.I. A run of ASCII literals counts wherever the pattern puts
    it, inside a word too ("no-one", the "one" of "no\\s+one"), if it is three characters or
    longer: the index finds a literal anywhere in a text. A run of literals and groups of literal
    alternatives counts as each string it may be ("ha(?:ve|s|d)" as have, has, had). A
    lookahead's literals count (the text holds what follows). A single character (a member of a
    class of quotes or stops, "['\"‘“]") counts anywhere in the text, and so does a digit
    (`DIGIT`: "\\d+(?:st|nd)" requires one).
    """
    try:
        branches = _Reader(pattern).read()
    except _Unreadable:
        return ()
    return tuple(_of_branches(branches, bool(flags & re.I)))


def _never_empty(pattern: str) -> bool:
    """Whether every match of `pattern` is at least one character long (False: unknown)."""
    try:
        branches = _Reader(pattern).read()
    except _Unreadable:
        return False
    return min(_width(branch) for branch in branches) > 0


def _strength(literals: Requirement) -> tuple[int, int]:
    """Longer literals (up to 4 characters: "care" is as rare as "school"), then fewer of them."""
    return (min(4, *(len(literal) for literal in literals)) if literals else 0, -len(literals))


# ---- reading a pattern ------------------------------------------------------------------------


class _Unreadable(Exception):
    """Syntax the reader does not know: no requirement is claimed for the pattern."""


@dataclass(frozen=True, slots=True)
class _Literal:
    character: str


@dataclass(frozen=True, slots=True)
class _Character:
    """One character of a class, an escape such as \\w, or "."."""

    # A class of characters without case, neither word characters nor spaces ("['\"‘“]"), or
    # None: a text holds one of them wherever this matches; re.IGNORECASE changes none of them.
    members: frozenset[str] | None = None
    digit: bool = False  # \d: a text holds a digit wherever this matches


@dataclass(frozen=True, slots=True)
class _Anchor:
    """\\b, ^, $ and the like: a place, no character."""


@dataclass(frozen=True, slots=True)
class _Look:
    behind: bool
    negative: bool
    branches: tuple[tuple[_Item, ...], ...]


@dataclass(frozen=True, slots=True)
class _Group:
    branches: tuple[tuple[_Item, ...], ...]
    folds: bool  # (?i:…): case-insensitive whatever the pattern's flags


@dataclass(frozen=True, slots=True)
class _Repeat:
    item: _Item
    least: int


_Item = _Literal | _Character | _Anchor | _Look | _Group | _Repeat
_COUNT = re.compile(r"\{(\d*)(?:,(\d*))?\}")
_FLAGS = re.compile(r"([aiLmsux]*)(?:-([imsx]+))?:")
_CLASS_ESCAPES = frozenset("sSwWdD")
_CONTROL = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}


class _Reader:
    """Reads the syntax of `re` these patterns use into items; raises _Unreadable for the rest."""

    def __init__(self, pattern: str) -> None:
        self._pattern = pattern
        self._index = 0

    def read(self) -> tuple[tuple[_Item, ...], ...]:
        branches = self._alternation()
        if self._index != len(self._pattern):
            raise _Unreadable(self._pattern)
        return branches

    def _peek(self) -> str:
        return self._pattern[self._index : self._index + 1]

    def _take(self) -> str:
        character = self._peek()
        if not character:
            raise _Unreadable(self._pattern)
        self._index += 1
        return character

    def _alternation(self) -> tuple[tuple[_Item, ...], ...]:
        branches = [self._sequence()]
        while self._peek() == "|":
            self._index += 1
            branches.append(self._sequence())
        return tuple(branches)

    def _sequence(self) -> tuple[_Item, ...]:
        items: list[_Item] = []
        while self._peek() not in ("", "|", ")"):
            item = self._atom()
            if item is not None:
                items.append(self._repeated(item))
        return tuple(items)

    def _repeated(self, item: _Item) -> _Item:
        character = self._peek()
        if character in ("?", "*", "+"):
            least = 1 if character == "+" else 0
            self._index += 1
        elif character == "{" and (count := _COUNT.match(self._pattern, self._index)):
            least = int(count[1] or 0)
            self._index = count.end()
        else:
            return item
        if self._peek() in ("?", "+"):
            self._index += 1  # lazy or possessive: the same characters either way
        return _Repeat(item, least)

    def _atom(self) -> _Item | None:
        character = self._take()
        if character == "(":
            return self._group()
        if character == "[":
            return self._class()
        if character == ".":
            return _Character()
        if character in ("^", "$"):
            return _Anchor()
        if character == "\\":
            return self._escape()
        if character in ("*", "+", "?"):
            raise _Unreadable(self._pattern)
        return _Literal(character)

    def _escape(self) -> _Item:
        character = self._take()
        if character in ("b", "A", "B", "Z"):
            return _Anchor()
        if character in _CLASS_ESCAPES:
            return _Character(digit=character == "d")
        if character in _CONTROL:
            return _Literal(_CONTROL[character])
        if character.isalnum():  # \1, \x41, \N{…}: not needed here
            raise _Unreadable(self._pattern)
        return _Literal(character)

    def _class(self) -> _Character:
        """A class "[…]": its members, if they are a few characters without case."""
        negated = self._peek() == "^"
        if negated:
            self._index += 1
        members: set[str] | None = set()
        if self._peek() == "]":  # "[]…]": a "]" first in a class is a member
            self._index += 1
            members = None  # not needed here
        while (character := self._take()) != "]":
            if character == "\\":
                escaped = self._take()
                if escaped in _CLASS_ESCAPES:
                    members = None
                    continue
                if escaped.isalnum() and escaped not in _CONTROL and escaped != "b":
                    raise _Unreadable(self._pattern)
                character = "\b" if escaped == "b" else _CONTROL.get(escaped, escaped)
            if self._peek() == "-" and self._pattern[self._index + 1 : self._index + 2] not in (
                "]",
                "",
            ):
                self._index += 1  # a range: it may hold word characters
                if self._take() == "\\":
                    self._take()
                members = None
                continue
            if _is_word_character(character) or _has_case(character) or character.isspace():
                members = None  # (nearly every text holds a space: not worth looking for)
            elif members is not None:
                members.add(character)
        return _Character(members=None if negated or not members else frozenset(members))

    def _group(self) -> _Item | None:
        folds = False
        if self._peek() == "?":
            self._index += 1
            kind = self._take()
            if kind in ("=", "!"):
                return self._look(behind=False, negative=kind == "!")
            if kind == "<" and self._peek() in ("=", "!"):
                return self._look(behind=True, negative=self._take() == "!")
            if kind == "#":
                end = self._pattern.find(")", self._index)
                if end < 0:
                    raise _Unreadable(self._pattern)
                self._index = end + 1
                return None
            if kind == "P" and self._peek() == "<":
                end = self._pattern.find(">", self._index)
                if end < 0:
                    raise _Unreadable(self._pattern)
                self._index = end + 1
            elif kind == ">":
                pass  # an atomic group: the same characters
            elif kind != ":":
                flags = _FLAGS.match(self._pattern, self._index - 1)
                if flags is None:
                    raise _Unreadable(self._pattern)  # (?i) for all, (?P=name), (?(1)…)
                folds = "i" in flags[1]
                self._index = flags.end()
        branches = self._alternation()
        if self._take() != ")":
            raise _Unreadable(self._pattern)
        return _Group(branches, folds)

    def _look(self, *, behind: bool, negative: bool) -> _Look:
        branches = self._alternation()
        if self._take() != ")":
            raise _Unreadable(self._pattern)
        return _Look(behind, negative, branches)


def _is_word_character(character: str) -> bool:
    return character.isalnum() or character == "_"


def _has_case(character: str) -> bool:
    """Whether re.IGNORECASE may match another character for it (it has an upper or lower case)."""
    return character.lower() != character or character.upper() != character


# ---- what a read pattern requires -------------------------------------------------------------


def _of_branches(branches: Sequence[Sequence[_Item]], folding: bool) -> list[Requirement]:
    """One branch: all it requires. Several: one requirement, a literal of any branch's
    strongest (none if one branch requires nothing)."""
    if len(branches) == 1:
        return _of_sequence(branches[0], folding)
    union: set[str] = set()
    for branch in branches:
        found = _of_sequence(branch, folding)
        if not found:
            return []
        strongest: Requirement = max(found, key=_strength)
        union.update(strongest)
    return [frozenset(union)]


def _of_sequence(items: Sequence[_Item], folding: bool) -> list[Requirement]:
    """Every requirement of a sequence: its runs of literals, and its parts'."""
    found: list[Requirement] = []
    # The literal run so far: every string it may be ("ha(?:ve|s|d)n" is one of three).
    run: list[str] = []

    def end_run() -> None:
        if run and all(len(literal) >= _SHORTEST for literal in run):
            found.append(frozenset(run))
        run.clear()

    for item in items:
        strings = _strings(item, folding)
        if strings is not None and max(1, len(run)) * len(strings) <= _MOST_STRINGS:
            # A literal, or a group of literal alternatives: the run goes on, once for each.
            if not run:
                run.append("")
            run[:] = [before + after for before in run for after in strings]
            continue
        end_run()
        if isinstance(item, _Look):
            if not item.behind and not item.negative:
                # What follows this place holds it: the text does (it consumes nothing).
                found.extend(_of_branches(item.branches, folding))
        elif isinstance(item, _Group) and (folding or not item.folds):
            found.extend(_of_branches(item.branches, folding))
        elif isinstance(item, _Character) and item.members is not None:
            found.append(item.members)  # one of them, anywhere in the text
        elif isinstance(item, _Character) and item.digit:
            found.append(frozenset([DIGIT]))
        elif isinstance(item, _Repeat) and item.least >= 1:
            found.extend(_of_sequence([item.item], folding))
    end_run()
    return found


def _strings(item: _Item, folding: bool) -> list[str] | None:
    """Every string an item matches, if it matches only a few fixed ones (an ASCII literal, or a
    group of such alternatives: "(?:ve|s|d)"); None otherwise."""
    if isinstance(item, _Literal):
        # Only ASCII: what else re.IGNORECASE takes for a letter is known for ASCII alone.
        if not item.character.isascii():
            return None
        return [item.character.lower() if folding else item.character]
    if not isinstance(item, _Group) or (item.folds and not folding):
        return None
    strings: list[str] = []
    for branch in item.branches:
        each = [""]
        for part in branch:
            found = _strings(part, folding)
            if found is None or len(each) * len(found) > _MOST_STRINGS:
                return None
            each = [before + after for before in each for after in found]
        strings.extend(each)
    return strings if len(strings) <= _MOST_STRINGS else None


def _width(items: Sequence[_Item]) -> int:
    """The fewest characters a sequence matches."""
    total = 0
    for item in items:
        if isinstance(item, _Literal | _Character):
            total += 1
        elif isinstance(item, _Group):
            total += min(_width(branch) for branch in item.branches)
        elif isinstance(item, _Repeat):
            total += item.least * _width([item.item])
    return total
