"""Who counts as a member of staff named in a mention: configured names, or a title and surname.

    StaffNames(["Mrs Hazel Example"]).find("Mrs E. never replied") -> ["Mrs E."]

A configured name also matches as title + surname ("Mrs Example", "Mr Example"), title + initial
("Mrs E") and without its title ("Hazel Example"); never as a bare word, so a teacher called
Mrs Rose is not found in "the rose garden". Anyone else is found only with a title and a
capitalised surname or initial ("Mr Smith", "Miss P."), as parents write about teachers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sources.common.words import WordMatcher, normalise

_TITLES = ("mrs", "mr", "ms", "miss", "mx", "dr", "sir", "madam", "mrs.", "mr.", "ms.", "dr.")
# "Mr"/"Mrs"/"Ms"/"Mx" in any case are titles; "Miss", "Dr", "Sir" only capitalised ("I miss").
_TITLED = re.compile(
    r"(?<![\w'’])(?:(?i:mrs|mr|ms|mx)\.?|Miss|Dr\.?|Sir)\s+"
    r"(?P<surname>[A-Z][a-z'’-]*[a-z](?:-[A-Z][a-z'’]+)?|[A-Z]\b\.?)"
    r"|(?<![\w'’])(?i:mrs|mr|ms|mx)\.?\s+(?P<lower>[a-z][a-z'’-]{2,})(?![\w'’])"
)
# Characters from children's television and books, not staff.
_NOT_STAFF = frozenset("men tumble bean motivator seuss who potato blobby benn".split())
# After a lower-case "mr": words that are not surnames ("Mr and Mrs Smith").
_NOT_SURNAME = frozenset(
    "and or the a an is are was were be been has have had said says who at in on to from with"
    " for of will would can could did does do not".split()
)


class StaffNames:
    """Finds members of staff named in a text."""

    def __init__(self, configured: Iterable[str]) -> None:
        # normalised variant -> the name as configured, shown in the alert
        self._names = {normalise(v): name for name in configured for v in variants(name)}
        self._configured = WordMatcher(self._names)

    def find(self, *texts: str | None) -> list[str]:
        """Staff named in `texts` (configured ones as configured, others as written), sorted."""
        configured, titled = self.find_split(*texts)
        return sorted(configured + titled, key=str.casefold)

    def find_split(self, *texts: str | None) -> tuple[list[str], list[str]]:
        """(configured staff named, other people named by title and surname), each sorted."""
        configured: dict[str, str] = {}
        for variant in self._configured.find(*texts):
            name = self._names[variant]
            configured[name.casefold()] = name
        found: dict[str, str] = {}
        for text in texts:
            for match in _TITLED.finditer(text or ""):
                surname = (match["surname"] or match["lower"]).rstrip(".").lower()
                if surname not in _NOT_STAFF and surname not in _NOT_SURNAME:
                    written = " ".join(match[0].split())
                    if not self._configured.matches(written):
                        found.setdefault(written.rstrip(".").casefold(), written)
        return (
            sorted(configured.values(), key=str.casefold),
            sorted(found.values(), key=str.casefold),
        )


def variants(name: str) -> list[str]:
    """The ways a configured staff name is written: as given, without title, title + surname."""
    words = name.split()
    if not words:
        return []
    forms = [" ".join(words)]
    has_title = words[0].lower() in _TITLES
    title = words[0].rstrip(".") if has_title else None
    rest = words[1:] if has_title else words
    if not rest:
        return forms
    surname = rest[-1]
    if len(rest) > 1:
        forms.append(" ".join(rest))
    titles = [title] if title else ["Mr", "Mrs", "Ms", "Miss", "Mx", "Dr"]
    if has_title or len(rest) > 1:  # a bare configured "Rose" would match every rose
        for each in titles:
            forms += [f"{each} {surname}", f"{each} {surname[0]}"]
    return forms
