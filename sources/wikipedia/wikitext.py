"""Wikitext reduced to the words a reader would see, with mwparserfromhell.

What each construct becomes:

    text, headings, bold/italic, lists    their words (one line per heading or list item)
    [[Target|label]] / [[Target]]         label / Target; [[File:…]] and [[Category:…]] nothing
    [https://… label] / [https://…]       label / nothing; a bare URL stays
    {{quote|…}} and other quotations      their quotation, then "— author, title, source"
                                          (the list is data: templates.py)
    {{cite web|…}}, {{sfn|…}}, <ref>…     nothing (references and citations are not prose)
    a multi-line template (an infobox)    "field: value" per named parameter
    any other one-line template           nothing ({{nowrap|…}}, {{convert|…}})
    {| table |}                           a line per row, its cells' text joined by " · "
    {{{1}}} (a template argument)         its default, else nothing
    comments, <ref>, magic words          nothing

A diff hands us fragments: lines of an infobox or a table without their braces, a reference or
a template opened on one line and closed on another. What the parser leaves as text is cleaned
line by line: "| name = value" reads "name: value", a table line keeps its cells' text without
their attributes, a template opened on an earlier line is followed to its "}}" (a quotation's
words are kept, a citation's dropped), and stray brackets and tags go.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator

import mwparserfromhell
from mwparserfromhell.nodes import (
    Argument,
    Comment,
    ExternalLink,
    Heading,
    HTMLEntity,
    Node,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.wikicode import Wikicode

from sources.wikipedia.templates import QuoteTemplate, TemplateKinds, shipped_template_kinds

CELL_SEPARATOR = " · "
# Tags whose contents a reader does not see as prose.
_HIDDEN_TAGS = frozenset(
    {"ref", "references", "gallery", "math", "templatestyles", "templatedata", "timeline"}
    | {"graph", "mapframe", "maplink", "score", "imagemap", "chem", "ce", "syntaxhighlight"}
)
_LINE_TAGS = frozenset({"br", "hr", "p", "div", "blockquote", "center", "poem", "li", "dt", "dd"})
_HIDDEN_NAMESPACES = frozenset({"file", "image", "media", "category"})

_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_UNCLOSED_REF = re.compile(r"<ref\b[^>]*>.*$", re.I)  # its end is on a later line
_REF_TAIL = re.compile(r"^.*?</ref\s*>", re.I)  # began on an earlier line
_TEMPLATE_OPEN = re.compile(r"\{\{([^{}|]*)(?:\|([^{}]*))?$")  # continues on a later line
_TEMPLATE_CLOSE = re.compile(r"^[^{}]*\}\}")  # began on an earlier line
_EMPHASIS = re.compile(r"'{2,5}")
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_MAGIC_WORD = re.compile(r"__[A-Z]+__")
_STRAY_MARKUP = re.compile(r"\[\[|\]\]|\{\{|\}\}|\{\||\|\}")
_HEADING = re.compile(r"^(=+)\s*(.*?)\s*\1$")
_TABLE_STRUCTURE = re.compile(r"^(?:\{\||\|\}|\|-)")
_CAPTION = re.compile(r"^\|\+")
_PARAMETER = re.compile(r"^\|\s*([^=|]+?)\s*=\s*(.*)$")  # "| headteacher = Mrs X" in an infobox
_ATTRIBUTES = r"(?:[\w:-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s|\"']+)\s*)+"
_CELL_ATTRIBUTES = re.compile(rf"^\s*{_ATTRIBUTES}\|(?!\|)")  # 'style="…" | Year'
_CELL_BREAK = re.compile(r"\|\||!!")
_TAG_TAIL = re.compile(rf"^\s*(?:{_ATTRIBUTES})?/?>")  # 'name=":14" />': its "<ref" is elsewhere
_LIST_MARK = re.compile(r"^[*#:;]+\s*")


def readable_text(segments: Iterable[str], kinds: TemplateKinds | None = None) -> str:
    """Wikitext reduced to the words a reader would see, a line each, blank lines dropped."""
    kinds = kinds or shipped_template_kinds()
    return "\n".join(line for segment in segments for line in reduce_wikitext(segment, kinds))


def reduce_wikitext(wikitext: str, kinds: TemplateKinds) -> list[str]:
    """One stretch of wikitext (a line, or consecutive lines) as the lines a reader would see."""
    wikitext = _COMMENT.sub("", wikitext)
    try:
        reduced = _Reducer(kinds).code(mwparserfromhell.parse(wikitext))
    except RecursionError:
        # Thousands of nested brackets (vandalism, or a hostile page) defeat the parser and
        # our walk alike: fall back to the line rules, which drop the brackets.
        reduced = wikitext
    return list(_clean_lines(reduced.splitlines(), kinds))


class _Reducer:
    """Renders parsed wikitext as plain text, node by node."""

    def __init__(self, kinds: TemplateKinds) -> None:
        self.kinds = kinds

    def code(self, code: Wikicode | None) -> str:
        """The text of a node list."""
        return "".join(self.node(node) for node in code.nodes) if code is not None else ""

    def inline(self, code: Wikicode | None) -> str:
        """The text of a node list on one line."""
        return " ".join(self.code(code).split())

    def node(self, node: Node) -> str:
        """The text a reader sees of one node."""
        if isinstance(node, Text):
            return node.value
        if isinstance(node, HTMLEntity):
            return node.normalize()
        if isinstance(node, Wikilink):
            return self.wikilink(node)
        if isinstance(node, ExternalLink):
            return self.inline(node.title) if node.brackets else str(node.url)
        if isinstance(node, Heading):
            return f"\n{self.inline(node.title)}\n"
        if isinstance(node, Template):
            return self.template(node)
        if isinstance(node, Tag):
            return self.tag(node)
        if isinstance(node, Argument):  # {{{1|default}}} outside a template's own page
            return self.code(node.default)
        assert isinstance(node, Comment) or not str(node).strip()  # nothing else is visible
        return ""

    def wikilink(self, link: Wikilink) -> str:
        """A link's label, or its target; media and category links show nothing inline."""
        title = str(link.title).strip()
        namespace = title.partition(":")[0].strip().lower() if ":" in title else ""
        if namespace in _HIDDEN_NAMESPACES:
            return ""
        if link.text is not None:
            return self.code(link.text)
        return title.removeprefix(":")

    def template(self, template: Template) -> str:
        """A quotation's words, an infobox's fields, or nothing."""
        name = str(template.name)
        quote = self.kinds.quote(name)
        if quote is not None:
            return self.quotation(template, quote)
        if self.kinds.is_citation(name) or "\n" not in str(template):
            return ""
        fields = (
            f"{str(param.name).strip()}: {self.inline(param.value)}"
            for param in template.params
            if param.showkey and self.inline(param.value)
        )
        return "\n" + "\n".join(fields) + "\n"

    def quotation(self, template: Template, quote: QuoteTemplate) -> str:
        """A quotation template's words, then its attribution after a dash."""
        words = next(iter(self.values(template, quote.quotation)), "")
        attribution = ", ".join(self.values(template, quote.attribution))
        if words and attribution:
            return f"{words} — {attribution}"
        return words

    def values(self, template: Template, names: tuple[str, ...]) -> Iterator[str]:
        """The non-empty values of the named parameters that the template has, in order."""
        for name in names:
            if template.has(name):
                value = self.inline(template.get(name).value)
                if value:
                    yield value

    def tag(self, tag: Tag) -> str:
        """A tag's visible contents: tables by row, block tags on lines of their own."""
        name = str(tag.tag).strip().lower()
        if name in _HIDDEN_TAGS:
            return ""
        if name == "table":
            return self.table(tag)
        text = self.code(tag.contents) if tag.contents is not None else ""
        return f"\n{text}\n" if name in _LINE_TAGS else text

    def table(self, table: Tag) -> str:
        """A table as a line per row: the text of its cells, attributes dropped."""
        rows: list[list[str]] = [[]]  # cells before the first "|-" make an implicit row
        for node in table.contents.nodes if table.contents is not None else []:
            if isinstance(node, Tag) and str(node.tag) == "tr":
                rows.append([self.cell(cell) for cell in _cells(node)])
            elif isinstance(node, Tag) and str(node.tag) in ("td", "th"):
                if str(node.contents).startswith("+") and not any(rows[-1]):
                    rows.insert(-1, [self.inline(node.contents)[1:].strip()])  # |+ caption
                else:
                    rows[-1].append(self.cell(node))
        lines = (CELL_SEPARATOR.join(cell for cell in row if cell) for row in rows)
        return "\n" + "\n".join(lines) + "\n"

    def cell(self, cell: Tag) -> str:
        """A table cell's text on one line."""
        return self.inline(cell.contents)


def _cells(row: Tag) -> list[Tag]:
    """The header and data cells of a table row."""
    nodes = row.contents.nodes if row.contents is not None else []
    return [node for node in nodes if isinstance(node, Tag) and str(node.tag) in ("td", "th")]


def _clean_lines(lines: Iterable[str], kinds: TemplateKinds) -> Iterator[str]:
    """Reduced lines with the fragments the parser left as text cleaned; blank lines dropped."""
    inside: str | None = None  # the template a "{{" on an earlier line opened
    for line in lines:
        if inside is not None:
            before, closed, line = line.partition("}}")
            yield from _nonblank(_inside_template(before, inside, kinds))
            if not closed:
                continue
            inside = None
        line = _TEMPLATE_CLOSE.sub("", line)
        opened = _TEMPLATE_OPEN.search(line)
        if opened:
            line, inside = line[: opened.start()], opened.group(1)
        yield from _nonblank(_clean_line(line))
        if opened and opened.group(2):
            yield from _nonblank(_inside_template("|" + opened.group(2), inside or "", kinds))


def _inside_template(line: str, name: str, kinds: TemplateKinds) -> str:
    """A line within a template whose braces are on other lines."""
    if kinds.is_citation(name):
        return ""
    if kinds.quote(name) is not None:
        # "| text = words" or "| words": a reader sees the words.
        line = re.sub(r"^\|\s*(?:[\w -]+=)?", "", line.strip())
        return _clean_line(line)
    return _clean_line(line)


def _nonblank(line: str) -> Iterator[str]:
    """The line if it has any words."""
    if line:
        yield line


def _clean_line(line: str) -> str:
    """One line of parser output as plain text: table and infobox fragments, stray markup."""
    line = _REF_TAIL.sub("", line) if "<ref" not in line.split("</ref", 1)[0] else line
    line = _TAG_TAIL.sub("", _UNCLOSED_REF.sub("", line)).strip()
    if _TABLE_STRUCTURE.match(line):
        return ""
    if heading := _HEADING.match(line):
        line = heading.group(2)
    elif _CAPTION.match(line):
        line = _table_cells(line[2:])
    elif line.startswith("!") or (line.startswith("|") and not _is_parameter(line)):
        line = _table_cells(line[1:])
    elif parameter := _PARAMETER.match(line):
        name, value = parameter.groups()
        line = f"{name.strip()}: {value.strip()}" if value.strip() else ""
    line = _LIST_MARK.sub("", line).lstrip("|")
    line = _STRAY_MARKUP.sub("", _TAG.sub("", _MAGIC_WORD.sub("", _EMPHASIS.sub("", line))))
    return " ".join(html.unescape(line).split())


def _is_parameter(line: str) -> bool:
    """True for "| name = value" (an infobox field), not a table cell with attributes."""
    return bool(_PARAMETER.match(line)) and not _CELL_ATTRIBUTES.match(line[1:])


def _table_cells(line: str) -> str:
    """The cells of a table line ("a || b", 'style="…" | c') as their text."""
    cells = (_CELL_ATTRIBUTES.sub("", cell).strip() for cell in _CELL_BREAK.split(line))
    return CELL_SEPARATOR.join(cell for cell in cells if cell)
