"""One unreadable item costs only itself: each raw item is read on its own, failures counted.

A service that sends one malformed entry (a comment without its id, a review without its name)
among good ones must not blind the monitor to the good ones. `read_each` reads every raw item of
a page with the adapter's own per-item parser, skips and counts those that raise
SourceFormatError, and fails only when the page held something and none of it could be read:
then the format has changed, and the source is `parser_broken`.

The reasons kept are the parser's one-line errors, redacted and cut short, with any quoted value
reduced to its first few characters: they name a field or a position, not what someone wrote.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from monitor.config.secrets import redact
from monitor.model import MAX_SKIP_REASONS, Skipped
from sources.common.text import one_line
from sources.errors import SourceFormatError

Raw = TypeVar("Raw")
Read = TypeVar("Read")

MAX_REASON = 120  # characters of one reason
QUOTE_KEPT = 8  # characters kept of a value an error message quotes
# A quoted value as repr() writes it: the quote opens after no letter (so "post's" is no quote).
_QUOTED = re.compile(rf"""(?<!\w)(['"])([^'"]{{{QUOTE_KEPT}}})[^'"]+\1(?!\w)""")


@dataclass(frozen=True, slots=True)
class ReadItems(Generic[Read]):
    """What `read_each` could read (in order), and what it skipped."""

    items: list[Read]
    skipped: Skipped


def read_each(
    raws: Iterable[Raw], read: Callable[[Raw, int], Read], *, none_read: str | None = None
) -> ReadItems[Read]:
    """Each raw item through `read(raw, index)`; one raising SourceFormatError is skipped.

    Raises SourceFormatError when there were items and every one failed: `none_read` if given,
    else the first item's own error.
    """
    items: list[Read] = []
    errors: list[SourceFormatError] = []
    for index, raw in enumerate(raws):
        try:
            items.append(read(raw, index))
        except SourceFormatError as error:
            errors.append(error)
    if errors and not items:
        if none_read is not None:
            raise SourceFormatError(none_read)
        if len(errors) == 1:
            raise errors[0]
        raise SourceFormatError(f"{errors[0]} (none of the {len(errors)} items could be read)")
    return ReadItems(items, skipped_by(errors))


def skipped_by(errors: Iterable[SourceFormatError]) -> Skipped:
    """The tally of these errors: their count and their first few distinct reasons."""
    errors = list(errors)
    reasons = tuple(dict.fromkeys(reason(error) for error in errors))
    return Skipped(len(errors), reasons[:MAX_SKIP_REASONS])


def reason(error: SourceFormatError) -> str:
    """An error as a short reason: one line, quoted values cut, secrets masked."""
    # Masked first: a secret cut in half by the shortening would no longer be recognised.
    text = redact(one_line(error, 1000))
    text = _QUOTED.sub(lambda match: f"{match[1]}{match[2]}…{match[1]}", text)
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


@dataclass
class SkipTally:
    """The items skipped over a whole poll of several pages or requests."""

    skipped: Skipped = field(default_factory=Skipped)

    def add(self, skipped: Skipped) -> None:
        """Count what one page skipped."""
        self.skipped = self.skipped + skipped

    def read_each(
        self, raws: Iterable[Raw], read: Callable[[Raw, int], Read], *, none_read: str | None = None
    ) -> list[Read]:
        """`read_each` of one page, its skipped items counted here; the items read."""
        found = read_each(raws, read, none_read=none_read)
        self.add(found.skipped)
        return found.items
