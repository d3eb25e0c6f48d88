"""Wikipedia text: what an edit added and removed (from a diff table) as readable words.

`parse_diff_table` reads the HTML table rows of `action=compare`: a row with only an added
(or only a deleted) cell is a whole new (or removed) line; a row with both is a changed line,
where only the highlighted spans are the change and the rest is unchanged context. Highlights
are `<ins>`/`<del>` in current MediaWiki and `<span class="diffchange">` in old diffs.

`readable_diff` says what a reader sees change. Consecutive whole lines are reduced together
(a table or a quotation spanning lines parses whole); a changed line is reduced as it reads
before and after the edit, and the words of one that the other lacks are what was added or
removed. So a reference whose name changed (`name=":14"`), or a link that lost its brackets,
changes no words at all. A moved paragraph has no partner in its row: it is compared with
itself without its highlighted spans. Wikitext itself is reduced in `wikitext.py`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from bs4 import BeautifulSoup, Tag

from sources.errors import SourceFormatError
from sources.wikipedia.templates import TemplateKinds, shipped_template_kinds
from sources.wikipedia.wikitext import readable_text, reduce_wikitext

__all__ = ["Change", "DiffText", "ReadableDiff", "parse_diff_table", "read_diff"]
__all__ += ["readable_diff", "readable_text"]

# Separators a word diff leaves at the edges of a changed span: ", a liar," reads as "a liar".
_SPAN_EDGES = " \t,;"
SPAN_JOINER = " … "
# Row cells that say the markup is a MediaWiki diff table; none of them means it changed shape.
_DIFF_CLASSES = {"diff-addedline", "diff-deletedline", "diff-context", "diff-lineno", "diff-empty"}
_WORD = re.compile(r"\w+|[^\w\s]")
# Word pairs a changed line's two versions are aligned over at most (SequenceMatcher is
# quadratic); a longer changed stretch counts as new whole.
MAX_DIFF_PAIRS = 1_000_000
# Wikitext reduced per stretch of whole lines at most: the stored text is cut at 20,000
# characters, and mwparserfromhell takes seconds on a table of thousands of rows.
MAX_STRETCH = 60_000
MAX_READABLE = 25_000  # readable characters gathered per side: more than is ever stored


@dataclass(frozen=True, slots=True)
class Change:
    """A stretch of one side of a diff: whole lines, or one line with highlighted changes."""

    wikitext: str  # as the side reads (lines joined by newlines)
    # What the line is compared with: the other side of its row, or for a moved paragraph the
    # line without its highlighted spans; None for whole lines, which are all new (or gone).
    compared_with: str | None = None


@dataclass(frozen=True, slots=True)
class DiffText:
    """The wikitext an edit added and removed, one entry per line (or changed span), unescaped.

    `added_changes` and `removed_changes` hold the same lines in stretches, for `readable_diff`.
    """

    added: tuple[str, ...]
    removed: tuple[str, ...]
    added_changes: tuple[Change, ...] = ()
    removed_changes: tuple[Change, ...] = ()


@dataclass(frozen=True, slots=True)
class ReadableDiff:
    """The words an edit added and removed, a line each, as a reader would see them."""

    added: str
    removed: str


class _Side:
    """One side (added or deleted) of a diff table, collected row by row."""

    def __init__(self, cell_class: str, change_tag: str) -> None:
        self.cell_class = cell_class
        self.change_tag = change_tag
        self.spans: list[str] = []
        self.changes: list[Change] = []
        self.block: list[str] = []  # consecutive whole lines not yet closed

    def cell(self, row: Tag) -> Tag | None:
        """This side's cell of a row."""
        cell = row.find("td", class_=self.cell_class)
        return cell if isinstance(cell, Tag) else None

    def row(self, row: Tag, partner: Tag | None) -> None:
        """Take this side's cell of a row, if it has one; `partner` is the other side's."""
        cell = self.cell(row)
        if cell is None:
            if row.find("td", class_=re.compile(r"^diff-(?:context|lineno)")):
                self.close()  # context or a jump: the next whole line starts a new stretch
            return
        # A moved paragraph is shown whole on both sides; only its highlighted spans are new.
        moved = cell.find("a", class_=re.compile(r"^mw-diff-movedpara-")) is not None
        if partner is not None or moved:
            self.close()
            self.spans.extend(_highlighted(cell, self.change_tag))
            if partner is None:
                partner = copy.copy(cell)
                for span in _highlights(partner, self.change_tag):
                    span.decompose()
            self.changes.append(Change(cell.get_text(), partner.get_text()))
        else:
            text = cell.get_text()
            if text.strip():
                self.spans.append(text)
            self.block.append(text)

    def close(self) -> None:
        """End the current stretch of whole lines."""
        if any(line.strip() for line in self.block):
            self.changes.append(Change("\n".join(self.block)))
        self.block = []


def parse_diff_table(body: str) -> DiffText:
    """The added and removed wikitext of a compare diff table; SourceFormatError if not a diff."""
    if not body.strip():
        return DiffText((), ())  # a null edit changes nothing
    soup = BeautifulSoup(body, "html.parser")
    rows = soup.find_all("tr")
    if not any(_classes(cell) & _DIFF_CLASSES for row in rows for cell in row.find_all("td")):
        raise SourceFormatError("Wikipedia compare: the diff is not a MediaWiki diff table")
    added = _Side("diff-addedline", "ins")
    removed = _Side("diff-deletedline", "del")
    for row in rows:
        added_cell, deleted_cell = added.cell(row), removed.cell(row)
        changed = added_cell is not None and deleted_cell is not None
        added.row(row, deleted_cell if changed else None)
        removed.row(row, added_cell if changed else None)
    added.close()
    removed.close()
    return DiffText(
        tuple(added.spans), tuple(removed.spans), tuple(added.changes), tuple(removed.changes)
    )


def _classes(cell: Tag) -> set[str]:
    """The CSS classes of a cell."""
    value = cell.get("class")
    return set(value) if isinstance(value, list) else set()


def _highlights(cell: Tag, change_tag: str) -> list[Tag]:
    """The highlighted spans of a cell: <ins>/<del>, or old diffs' <span class="diffchange">."""
    return [
        tag
        for tag in cell.find_all([change_tag, "span"])
        if tag.name == change_tag or "diffchange" in _classes(tag)
    ]


def _highlighted(cell: Tag, change_tag: str) -> list[str]:
    """The highlighted spans of a changed line joined, as one entry (none if nothing shows)."""
    spans = (span.get_text().strip(_SPAN_EDGES) for span in _highlights(cell, change_tag))
    joined = SPAN_JOINER.join(span for span in spans if span)
    return [joined] if joined else []


def read_diff(body: str, kinds: TemplateKinds) -> tuple[DiffText, ReadableDiff]:
    """Pure: a compare diff body → its wikitext and its readable words (SourceFormatError)."""
    diff = parse_diff_table(body)
    return diff, readable_diff(diff, kinds)


def readable_diff(diff: DiffText, kinds: TemplateKinds | None = None) -> ReadableDiff:
    """The words an edit added and removed, as a reader of the article would see them."""
    kinds = kinds or shipped_template_kinds()
    return ReadableDiff(
        "\n".join(_readable_lines(diff.added_changes, kinds)),
        "\n".join(_readable_lines(diff.removed_changes, kinds)),
    )


def _readable_lines(changes: tuple[Change, ...], kinds: TemplateKinds) -> list[str]:
    """The readable lines of one side's stretches (enough of them to fill the stored text)."""
    lines: list[str] = []
    size = 0
    for change in changes:
        if size > MAX_READABLE:
            break
        now = reduce_wikitext(_cut(change.wikitext), kinds)
        if change.compared_with is None:
            found = now
        else:
            before = " ".join(reduce_wikitext(_cut(change.compared_with), kinds))
            words = new_words(before, " ".join(now))
            found = [words] if words else []
        lines.extend(found)
        size += sum(len(line) + 1 for line in found)
    return lines


def _cut(wikitext: str) -> str:
    """At most MAX_STRETCH characters of wikitext, cut at a line's end where there is one."""
    if len(wikitext) <= MAX_STRETCH:
        return wikitext
    cut = wikitext[:MAX_STRETCH]
    return cut[: cut.rfind("\n")] if "\n" in cut else cut


def new_words(before: str, after: str) -> str:
    """The stretches of `after` whose words are not in `before`, joined by " … "."""
    old = [match.group() for match in _WORD.finditer(before)]
    found = list(_WORD.finditer(after))
    new = [match.group() for match in found]
    # The words around an edit are mostly untouched: compare only what lies between.
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    middle_old, middle_new = old[start : len(old) - end], new[start : len(new) - end]
    if not middle_new:
        return ""
    if len(middle_old) * len(middle_new) > MAX_DIFF_PAIRS:
        stretches = [(0, len(middle_new))]  # too long to align word by word: all of it is new
    else:
        matcher = SequenceMatcher(None, middle_old, middle_new, autojunk=False)
        stretches = [
            (first, last)
            for operation, _, _, first, last in matcher.get_opcodes()
            if operation in ("insert", "replace")
        ]
    spans = []
    for first, last in stretches:
        span = after[found[start + first].start() : found[start + last - 1].end()]
        if span := " ".join(span.strip(_SPAN_EDGES).split()):
            spans.append(span)
    return SPAN_JOINER.join(spans)
