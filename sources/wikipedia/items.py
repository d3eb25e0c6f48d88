"""Wikipedia revisions and search hits as `Item`s, with the facts the vandalism rule reads.

A revision's mention text is what the edit added; its `RevisionFacts` (typed) say who edited,
how much was removed, blanking, offensive words added, revert state and the revert risk, and
`extra` keeps the rest (ids, flags, tags, removed text, diff status). Every key is listed in
docs/sources/wikipedia.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from monitor.model import EditorKind, Item, RevisionFacts
from sources.common.words import OffensiveWords
from sources.wikipedia.parse import Revision, SearchHit

REVERT_TAGS = ("mw-rollback", "mw-undo", "mw-manual-revert", "mw-reverted")
HIDDEN_USER = "(username hidden)"
MAX_TEXT = 20_000  # characters of added text kept as the mention text
MAX_REMOVED_TEXT = 5_000  # a blanked article need not be copied whole into the database
BLANKING_SHARE = 0.9  # removing this share of a page or more counts as blanking


class DiffStatus:
    """Where a revision's mention text came from (`extra["diff_status"]`)."""

    FETCHED = "fetched"  # the compare diff: the text is what the edit added
    BASELINE = "baseline"  # first poll: no diff fetched, the text is the edit comment
    PAGE_CREATION = "page_creation"  # no parent to compare with: the text is the edit comment
    UNAVAILABLE = "unavailable"  # the wiki refused the diff (e.g. deleted text): the comment


@dataclass(frozen=True, slots=True)
class EditText:
    """What an edit added and removed, as far as it is known."""

    status: str
    added: str = ""  # readable text
    removed: str = ""  # readable text
    added_wikitext: str = ""  # unreduced, so words hidden in markup are still found
    parent_size: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RevertRisk:
    """Lift Wing's revert probability, or None with the reason there is no score."""

    score: float | None
    note: str


@dataclass(frozen=True, slots=True)
class WikiLinks:
    """Links to pages and diffs on the wiki whose Action API is at `api_url`."""

    api_url: str

    @property
    def index_url(self) -> str:
        """The wiki's index.php, beside its api.php."""
        base = self.api_url.split("?", 1)[0]
        return base[: -len("api.php")] + "index.php" if base.endswith("api.php") else base

    def diff_url(self, revid: int, parentid: int) -> str:
        """The diff page of a revision (the revision itself for a page creation)."""
        query = {"diff": revid, "oldid": parentid} if parentid else {"oldid": revid}
        return f"{self.index_url}?{urlencode(query)}"

    def article_url(self, title: str) -> str:
        """An article's URL: /wiki/Title on Wikimedia-style paths, else index.php?title=."""
        name = quote(title.replace(" ", "_"), safe=":/(),'!*~")
        base = self.api_url.split("?", 1)[0]
        if base.endswith("/w/api.php"):
            return f"{base[: -len('/w/api.php')]}/wiki/{name}"
        return f"{self.index_url}?title={name}"


def editor_kind(revision: Revision) -> EditorKind:
    """Who made an edit: a temporary account, an IP address, a hidden or a registered user."""
    if revision.userhidden or revision.user is None:
        return EditorKind.HIDDEN
    if revision.temp:
        return EditorKind.TEMPORARY
    if revision.anon:
        return EditorKind.ANONYMOUS
    return EditorKind.REGISTERED


def revision_item(
    page_title: str,
    pageid: int,
    revision: Revision,
    text: EditText,
    risk: RevertRisk,
    links: WikiLinks,
    offensive: OffensiveWords,
) -> Item:
    """A watched page's revision as a mention whose text is what the edit added."""
    if text.status == DiffStatus.FETCHED:
        mention_text = text.added
    else:
        mention_text = revision.comment or ""
    is_revert = any(tag in revision.tags for tag in REVERT_TAGS[:3])
    size = _size_change(revision, text.parent_size)
    facts = RevisionFacts(
        editor=editor_kind(revision),
        size_delta=size.delta,
        bytes_removed=size.bytes_removed,
        removed_share=size.removed_share,
        blanking=size.blanking,
        replaced="mw-replace" in revision.tags,
        offensive_words=tuple(offensive.find(_searched_text(revision, text, is_revert))),
        is_revert=is_revert,
        reverted="mw-reverted" in revision.tags,
        revert_risk=risk.score,
    )
    extra: dict[str, Any] = {
        "revid": revision.revid,
        "parentid": revision.parentid,
        "pageid": pageid,
        "page_title": page_title,
        "comment": revision.comment,
        "tags": list(revision.tags),
        "minor": revision.minor,
        **_editor_flags(revision),
        "size": revision.size,
        "parent_size": text.parent_size,
        "removed_text": text.removed[:MAX_REMOVED_TEXT],
        "revert_tags": [tag for tag in REVERT_TAGS if tag in revision.tags],
        "revert_risk_note": risk.note,
        "baseline": text.status == DiffStatus.BASELINE,
        "diff_status": text.status,
        "diff_error": text.error,
    }
    return Item(
        external_id=str(revision.revid),
        item_type="revision",
        text=mention_text[:MAX_TEXT],
        url=links.diff_url(revision.revid, revision.parentid),
        title=page_title,
        author=revision.user if revision.user is not None else HIDDEN_USER,
        published_at=revision.timestamp,
        extra=extra,
        baseline=text.status == DiffStatus.BASELINE,
        facts=facts,
    )


def _searched_text(revision: Revision, text: EditText, is_revert: bool) -> str:
    """Where offensive words are looked for: the added text, and the summary unless a revert."""
    # A revert's summary may quote the vandalism it removes; that is not the reverter's word.
    comment = "" if is_revert else revision.comment or ""
    return "\n".join((text.added_wikitext, text.added, comment))


def _editor_flags(revision: Revision) -> dict[str, Any]:
    """The editor's account flags and the revision-deletion flags."""
    return {
        "temp": revision.temp,
        "anon": revision.anon,
        "userhidden": revision.userhidden,
        "commenthidden": revision.commenthidden,
        "sha1hidden": revision.sha1hidden,
        "suppressed": revision.suppressed,
    }


@dataclass(frozen=True, slots=True)
class SizeChange:
    """How an edit changed the page's size (None where a size is unknown)."""

    delta: int | None
    bytes_removed: int | None
    removed_share: float | None
    blanking: bool


def _size_change(revision: Revision, parent_size: int | None) -> SizeChange:
    """Change in size, bytes removed, share of the page removed and blanking."""
    delta = None
    if revision.size is not None and parent_size is not None:
        delta = revision.size - parent_size
    bytes_removed = max(0, -delta) if delta is not None else None
    share = None
    if bytes_removed is not None and parent_size:
        share = round(bytes_removed / parent_size, 4)
    emptied = revision.size == 0 and bool(parent_size)
    blanking = (
        "mw-blank" in revision.tags or emptied or (share is not None and share >= BLANKING_SHARE)
    )
    return SizeChange(delta, bytes_removed, share, blanking)


def article_item(hit: SearchHit, query: str, links: WikiLinks, *, baseline: bool) -> Item:
    """A search hit as a mention of the school in another article."""
    return Item(
        external_id=f"page:{hit.pageid}",
        item_type="article",
        text=hit.snippet or hit.title,
        url=links.article_url(hit.title),
        title=hit.title,
        # The hit's timestamp is the article's last edit: the nearest thing to when it began
        # to mention the school, since a page mostly enters the results when it is edited.
        published_at=hit.timestamp,
        extra={
            "pageid": hit.pageid,
            "query": query,
            "size": hit.size,
            "wordcount": hit.wordcount,
            "baseline": baseline,
        },
        baseline=baseline,
    )
