"""Wikipedia text: what an edit added and removed (from a diff table) as readable words.

`parse_diff_table` reads the HTML table rows of `action=compare`: a row with only an added
(or only a deleted) cell is a whole new (or removed) line; a row with both is a changed line,
where only the `ins` (or `del`) spans are the change and the rest is unchanged context.
`readable_text` reduces wiki markup to the words a reader would see.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

from sources.errors import SourceFormatError

# Separators a word diff leaves at the edges of a changed span: ", a liar," reads as "a liar".
_SPAN_EDGES = " \t,;"
# Row cells that say the markup is a MediaWiki diff table; none of them means it changed shape.
_DIFF_CLASSES = {"diff-addedline", "diff-deletedline", "diff-context", "diff-lineno", "diff-empty"}

_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_REF = re.compile(r"<ref\b[^>]*?/>|<ref\b[^>]*>.*?(?:</ref\s*>|$)", re.S | re.I)
_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")
_TEMPLATE_OPEN = re.compile(r"\{\{[^{}]*$")  # continues on a later line
_TEMPLATE_CLOSE = re.compile(r"^[^{}]*\}\}")  # began on an earlier line
_MEDIA_LINK = re.compile(
    r"\[\[\s*(?:File|Image|Media|Category)\s*:(?:[^\[\]]|\[\[[^\[\]]*\]\])*\]\]", re.I
)
_LINK = re.compile(r"\[\[([^\[\]|]*)(?:\|([^\[\]]*))?\]\]")
_EXTERNAL_LINK = re.compile(r"\[(?:https?:)?//[^\s\]]+(?:\s+([^\]]*))?\]")
_EMPHASIS = re.compile(r"'{2,5}")
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_MAGIC_WORD = re.compile(r"__[A-Z]+__")
_STRAY_MARKUP = re.compile(r"\[\[|\]\]|\{\{|\}\}|\{\||\|\}")
_HEADING = re.compile(r"^(=+)\s*(.*?)\s*\1$")
_TABLE_LINE = re.compile(r"^(?:\{\||\|\}|\|-|\|\+)")
_PARAMETER = re.compile(r"^\|\s*([^=|]+?)\s*=\s*(.*)$")  # "| headteacher = Mrs X" in an infobox
_LIST_MARK = re.compile(r"^[*#:;]+\s*")


@dataclass(frozen=True, slots=True)
class DiffText:
    """The wikitext an edit added and removed, one entry per line (or changed span), unescaped."""

    added: tuple[str, ...]
    removed: tuple[str, ...]


def parse_diff_table(body: str) -> DiffText:
    """The added and removed wikitext of a compare diff table; SourceFormatError if not a diff."""
    if not body.strip():
        return DiffText((), ())  # a null edit changes nothing
    soup = BeautifulSoup(body, "html.parser")
    rows = soup.find_all("tr")
    if not any(_classes(cell) & _DIFF_CLASSES for row in rows for cell in row.find_all("td")):
        raise SourceFormatError("Wikipedia compare: the diff is not a MediaWiki diff table")
    added: list[str] = []
    removed: list[str] = []
    for row in rows:
        added_cell = row.find("td", class_="diff-addedline")
        deleted_cell = row.find("td", class_="diff-deletedline")
        changed = isinstance(added_cell, Tag) and isinstance(deleted_cell, Tag)
        if isinstance(added_cell, Tag):
            added.extend(_cell_text(added_cell, "ins", whole_line=not changed))
        if isinstance(deleted_cell, Tag):
            removed.extend(_cell_text(deleted_cell, "del", whole_line=not changed))
    return DiffText(tuple(added), tuple(removed))


def _classes(cell: Tag) -> set[str]:
    """The CSS classes of a cell."""
    value = cell.get("class")
    return set(value) if isinstance(value, list) else set()


def _cell_text(cell: Tag, change_tag: str, *, whole_line: bool) -> list[str]:
    """The changed text of one diff cell: the whole line, or its highlighted spans joined."""
    # A moved paragraph is shown whole on both sides; only its highlighted spans are new.
    moved = cell.find("a", class_=re.compile(r"^mw-diff-movedpara-")) is not None
    if whole_line and not moved:
        text = cell.get_text()
        return [text] if text.strip() else []
    spans = (span.get_text().strip(_SPAN_EDGES) for span in cell.find_all(change_tag))
    joined = " … ".join(span for span in spans if span)
    return [joined] if joined else []


def readable_text(segments: Iterable[str]) -> str:
    """Wikitext reduced to the words a reader would see, a line each, blank lines dropped."""
    lines: list[str] = []
    for segment in segments:
        # Line by line, so that an infobox's fields survive the removal of its braces.
        for line in _REF.sub("", _COMMENT.sub("", segment)).splitlines():
            reduced = _reduce_line(_reduce_inline(line))
            if reduced:
                lines.append(reduced)
    return "\n".join(lines)


def _reduce_inline(text: str) -> str:
    """A line without templates, media, link syntax, emphasis or magic words."""
    previous = None
    while previous != text:  # innermost templates first, so nested ones fall away
        previous, text = text, _TEMPLATE.sub("", text)
    text = _TEMPLATE_CLOSE.sub("", _TEMPLATE_OPEN.sub("", text))
    text = _MEDIA_LINK.sub("", text)
    text = _LINK.sub(lambda match: match.group(2) or match.group(1), text)
    text = _EXTERNAL_LINK.sub(lambda match: match.group(1) or "", text)
    return _MAGIC_WORD.sub("", _EMPHASIS.sub("", text))


def _reduce_line(line: str) -> str:
    """One line of reduced wikitext as plain text: headings, infobox fields, lists, tags."""
    line = line.strip()
    if _TABLE_LINE.match(line):
        return ""
    if heading := _HEADING.match(line):
        line = heading.group(2)
    elif parameter := _PARAMETER.match(line):
        name, value = parameter.groups()
        line = f"{name.strip()}: {value.strip()}" if value.strip() else ""
    line = _LIST_MARK.sub("", line).lstrip("|")
    line = html.unescape(_STRAY_MARKUP.sub("", _TAG.sub("", line)))
    return " ".join(line.split())
