"""What the rules judge: an item on its way to storage, with what the scan knows about it.

Its own module so that the rule functions (checks, wikipedia) and the `Rules` that runs them
both import it, and neither imports the other's package.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.model import Item, Sentiment
from storage.mentions import StoredText


@dataclass(frozen=True, slots=True)
class Candidate:
    """A new or changed item on its way to storage, with what the scan knows about it."""

    source: str
    source_type: str
    item: Item
    sentiment: Sentiment | None
    is_new: bool  # first time stored (False: an edit of a stored mention)
    baseline: bool  # history: stored, never alerted
    # An edit: the stored title, text and rating it replaces (None: new, or not looked up).
    previous: StoredText | None = None
    # The ids of the schools it is about (monitor.scan.attribution); their staff are named.
    schools: tuple[str, ...] = ()

    @property
    def content_changed(self) -> bool:
        """False for an edit that left title, text and rating as they were."""
        if self.is_new or self.previous is None:
            return True
        return not self.previous.same_words(self.item)
