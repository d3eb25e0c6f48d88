"""Which templates hold prose a reader sees (quotations) and which are citations to drop.

Both lists are data (`data/quote_templates.txt`, `data/citation_templates.txt`); a source can add
quotation templates with `quote_templates`. A quotation template line is its name, optionally
followed by ": " and the parameters holding the quotation, then "; " and those holding its
attribution (`rquote: quote 2 ; author 3 source 4`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

DEFAULT_QUOTATION = ("text", "quote", "1")
DEFAULT_ATTRIBUTION = ("author", "sign", "2", "title", "3", "source", "4")
_NAME_CHARACTERS = re.compile(r"^[^#<>\[\]{}|:;]+$")


def template_key(name: str) -> str:
    """A template name as the wiki matches it: case, underscores and a namespace ignored."""
    key = " ".join(name.replace("_", " ").split()).lower()
    return key.removeprefix("template:").strip()


@dataclass(frozen=True, slots=True)
class QuoteTemplate:
    """A quotation-like template and the parameters that hold its words."""

    quotation: tuple[str, ...] = DEFAULT_QUOTATION
    attribution: tuple[str, ...] = DEFAULT_ATTRIBUTION


def parse_quote_line(line: str) -> tuple[str, QuoteTemplate]:
    """One quotation template line → (key, parameters); ValueError when it is not one."""
    name, _, parameters = line.partition(":")
    key = template_key(name)
    if not key or not _NAME_CHARACTERS.match(key):
        raise ValueError(f"{line!r}: not a template name")
    if not parameters.strip():
        return key, QuoteTemplate()
    quotation, _, attribution = parameters.partition(";")
    if not quotation.split():
        raise ValueError(f"{line!r}: name the parameters that hold the quotation")
    return key, QuoteTemplate(tuple(quotation.split()), tuple(attribution.split()))


@dataclass(frozen=True, slots=True)
class TemplateKinds:
    """Quotation templates (prose kept) and citation templates (dropped whole)."""

    quotes: Mapping[str, QuoteTemplate]
    citations: frozenset[str]
    citation_prefixes: tuple[str, ...]

    def quote(self, name: str) -> QuoteTemplate | None:
        """The quotation parameters of a template, or None when it is not a quotation."""
        return self.quotes.get(template_key(name))

    def is_citation(self, name: str) -> bool:
        """True for a citation or footnote template."""
        key = template_key(name)
        return key in self.citations or key.startswith(self.citation_prefixes)

    def with_quotes(self, lines: Iterable[str]) -> TemplateKinds:
        """These kinds with more quotation templates (config lines, same form as the data)."""
        extra = dict(parse_quote_line(line) for line in lines)
        if not extra:
            return self
        return TemplateKinds({**self.quotes, **extra}, self.citations, self.citation_prefixes)


def _data_lines(name: str) -> list[str]:
    """The non-comment lines of a shipped data file."""
    text = files("sources.wikipedia").joinpath("data", name).read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@cache
def shipped_template_kinds() -> TemplateKinds:
    """The shipped lists of quotation and citation templates."""
    quotes = dict(parse_quote_line(line) for line in _data_lines("quote_templates.txt"))
    names = [template_key(line) for line in _data_lines("citation_templates.txt")]
    prefixes = tuple(name[:-1] for name in names if name.endswith("*"))
    citations = frozenset(name for name in names if not name.endswith("*"))
    return TemplateKinds(quotes, citations, prefixes)
