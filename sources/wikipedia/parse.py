"""Wikipedia API responses (Action API, formatversion=2; Lift Wing) read into typed values.

Pure functions over decoded JSON. Each raises SourceFormatError when the shape is not the
documented one, and `api_problem` finds the `error` object MediaWiki sends with HTTP 200. One
revision or search result that cannot be read (no `revid`, no `pageid`) is skipped and counted;
a response none of whose revisions or results can be read is a SourceFormatError.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeGuard

from monitor.model import Skipped
from sources.common.items import read_each
from sources.common.json import JsonFields
from sources.common.text import masked_line
from sources.errors import SourceError, SourceFormatError

API = JsonFields("Wikipedia API")
_TAG = re.compile(r"<[^<>]*>")


class PageNotFoundError(SourceError):
    """A watched page does not exist on the wiki, or its title is not a valid title."""


@dataclass(frozen=True, slots=True)
class ApiProblem:
    """An error the Action API reported in its body (`error.code`, `error.info`)."""

    code: str
    info: str

    def describe(self) -> str:
        """One readable line: the code and what the wiki said."""
        return f"Wikipedia API error {self.code}: {self.info}" if self.info else self.code


@dataclass(frozen=True, slots=True)
class Revision:
    """One revision of a page; user and comment are None when revision deletion hides them."""

    revid: int
    parentid: int
    timestamp: datetime
    user: str | None
    comment: str | None
    size: int | None
    minor: bool
    tags: tuple[str, ...]
    anon: bool
    temp: bool
    userhidden: bool
    commenthidden: bool
    sha1hidden: bool
    suppressed: bool


@dataclass(frozen=True, slots=True)
class PageRevisions:
    """One page's revisions from one response, and the `continue` object to send back, if any."""

    title: str
    pageid: int
    revisions: tuple[Revision, ...]
    continuation: Mapping[str, str] | None
    redirected_from: str | None = None
    skipped: Skipped = field(default_factory=Skipped)  # revisions that could not be read


@dataclass(frozen=True, slots=True)
class Comparison:
    """An `action=compare` result: the diff table HTML and the sizes of both sides."""

    fromrevid: int | None
    torevid: int | None
    fromsize: int | None
    tosize: int | None
    body: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One `list=search` result; `snippet` is plain text, `timestamp` the page's last edit."""

    pageid: int
    title: str
    snippet: str
    timestamp: datetime | None
    size: int | None
    wordcount: int | None


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of search results and the `continue` object for the next, if any."""

    hits: tuple[SearchHit, ...]
    continuation: Mapping[str, str] | None
    totalhits: int | None
    skipped: Skipped = field(default_factory=Skipped)  # results that could not be read


def api_problem(payload: object) -> ApiProblem | None:
    """The error the API reported in `payload`, or None when there is none."""
    if not isinstance(payload, Mapping):
        raise SourceFormatError("Wikipedia API: the response is not a JSON object")
    error = payload.get("error")
    if isinstance(error, Mapping):
        return ApiProblem(
            masked_line(error.get("code") or "unknown", 60), masked_line(error.get("info"), 300)
        )
    errors = payload.get("errors")  # errorformat=plaintext/wikitext/html
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        first = errors[0]
        return ApiProblem(
            masked_line(first.get("code") or "unknown", 60), masked_line(first.get("text"), 300)
        )
    return None


def parse_revisions(payload: Mapping[str, Any], title: str) -> PageRevisions:
    """The revisions of the page `title` in a `prop=revisions` response.

    Raises PageNotFoundError for a missing or invalid title, SourceFormatError on other shapes.
    """
    query = API.mapping(payload.get("query"), "query")
    pages = query.get("pages")
    if not isinstance(pages, list) or not pages:
        raise SourceFormatError("Wikipedia revisions: query.pages is not a list (formatversion=2?)")
    resolved, redirected_from = _resolve_title(query, title)
    page = next((page for page in pages if _is_page(page, resolved)), pages[0])
    page = API.mapping(page, "query.pages[0]")
    if page.get("missing") is True:
        raise PageNotFoundError(f'Wikipedia page "{title}" does not exist: check its title')
    if page.get("invalid") is True:
        reason = masked_line(page.get("invalidreason"), 300)
        raise PageNotFoundError(f'Wikipedia page "{title}" is not a valid title: {reason}')
    raw_revisions = page.get("revisions", [])
    if not isinstance(raw_revisions, list):
        raise SourceFormatError(f'Wikipedia revisions of "{title}": revisions is not a list')
    revisions = read_each(
        raw_revisions,
        lambda raw, index: parse_revision(API.mapping(raw, f"revisions[{index}]")),
    )
    return PageRevisions(
        title=API.text(page.get("title"), "title"),
        pageid=API.integer(page.get("pageid"), "pageid"),
        revisions=tuple(revisions.items),
        continuation=parse_continuation(payload),
        redirected_from=redirected_from,
        skipped=revisions.skipped,
    )


def parse_latest(payload: Mapping[str, Any], titles: Sequence[str]) -> dict[str, tuple[int, int]]:
    """title -> (pageid, latest revid) from a several-titles `prop=revisions` response.

    Only titles whose page object is in the response with a readable latest revision are
    answered: a missing, invalid or unreadable one is left to its own poll to report.
    """
    query = API.mapping(payload.get("query"), "query")
    pages = query.get("pages")
    if not isinstance(pages, list):
        raise SourceFormatError("Wikipedia revisions: query.pages is not a list (formatversion=2?)")
    found: dict[str, tuple[int, int]] = {}
    for title in titles:
        resolved, _ = _resolve_title(query, title)
        page = next((page for page in pages if _is_page(page, resolved)), None)
        if not isinstance(page, Mapping) or page.get("missing") or page.get("invalid"):
            continue
        revisions = page.get("revisions")
        first = revisions[0] if isinstance(revisions, list) and revisions else None
        pageid = page.get("pageid")
        revid = first.get("revid") if isinstance(first, Mapping) else None
        if _whole(pageid) and _whole(revid):
            found[title] = (pageid, revid)
    return found


def _whole(value: object) -> TypeGuard[int]:
    """True for an int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def _resolve_title(query: Mapping[str, Any], title: str) -> tuple[str, str | None]:
    """The title the API resolved `title` to (normalised, then redirected), and the redirect."""
    normalised = _follow(query.get("normalized"), title)
    resolved = _follow(query.get("redirects"), normalised)
    return resolved, normalised if resolved != normalised else None


def _follow(mappings: object, title: str) -> str:
    """Where a `normalized` or `redirects` list sends `title` (itself when not listed)."""
    for entry in mappings if isinstance(mappings, list) else []:
        if isinstance(entry, Mapping) and entry.get("from") == title and entry.get("to"):
            return str(entry["to"])
    return title


def _is_page(page: object, title: str) -> bool:
    """True when `page` is the page object for `title`."""
    return isinstance(page, Mapping) and page.get("title") == title


def parse_revision(raw: Mapping[str, Any]) -> Revision:
    """One revision object; keys that revision deletion removes may be absent."""
    tags = raw.get("tags") or []
    if not isinstance(tags, list):
        raise SourceFormatError("Wikipedia revision: tags is not a list")
    user = raw.get("user")
    comment = raw.get("comment")
    return Revision(
        revid=API.integer(raw.get("revid"), "revid"),
        parentid=API.integer(raw.get("parentid", 0), "parentid"),
        timestamp=API.timestamp(raw.get("timestamp"), "revision timestamp"),
        user=user if isinstance(user, str) and not raw.get("userhidden") else None,
        comment=comment if isinstance(comment, str) and not raw.get("commenthidden") else None,
        size=API.optional_integer(raw.get("size"), "size"),
        minor=raw.get("minor") is True,
        tags=tuple(str(tag) for tag in tags),
        anon=raw.get("anon") is True,
        temp=raw.get("temp") is True,
        userhidden=raw.get("userhidden") is True,
        commenthidden=raw.get("commenthidden") is True,
        sha1hidden=raw.get("sha1hidden") is True,
        suppressed=raw.get("suppressed") is True,
    )


def parse_compare(payload: Mapping[str, Any]) -> Comparison:
    """The diff of an `action=compare` response (`body` in formatversion=2, `*` in 1)."""
    compare = API.mapping(payload.get("compare"), "compare")
    body = compare.get("body", compare.get("*"))
    if not isinstance(body, str):
        raise SourceFormatError("Wikipedia compare: the response has no diff body")
    return Comparison(
        fromrevid=API.optional_integer(compare.get("fromrevid"), "fromrevid"),
        torevid=API.optional_integer(compare.get("torevid"), "torevid"),
        fromsize=API.optional_integer(compare.get("fromsize"), "fromsize"),
        tosize=API.optional_integer(compare.get("tosize"), "tosize"),
        body=body,
    )


def parse_search(payload: Mapping[str, Any]) -> SearchPage:
    """One page of `list=search` results, snippets reduced to plain text."""
    query = API.mapping(payload.get("query"), "query")
    results = query.get("search")
    if not isinstance(results, list):
        raise SourceFormatError("Wikipedia search: query.search is not a list")
    info = query.get("searchinfo")
    totalhits = info.get("totalhits") if isinstance(info, Mapping) else None
    hits = read_each(results, parse_search_hit)
    return SearchPage(
        hits=tuple(hits.items),
        continuation=parse_continuation(payload),
        totalhits=totalhits if isinstance(totalhits, int) else None,
        skipped=hits.skipped,
    )


def parse_search_hit(raw: object, index: int) -> SearchHit:
    """One `list=search` result."""
    hit = API.mapping(raw, f"search[{index}]")
    return SearchHit(
        pageid=API.integer(hit.get("pageid"), f"search[{index}].pageid"),
        title=API.text(hit.get("title"), f"search[{index}].title"),
        snippet=plain_snippet(hit.get("snippet")),
        timestamp=API.optional_timestamp(hit.get("timestamp"), f"search[{index}].timestamp"),
        size=API.optional_integer(hit.get("size"), f"search[{index}].size"),
        wordcount=API.optional_integer(hit.get("wordcount"), f"search[{index}].wordcount"),
    )


def plain_snippet(snippet: object) -> str:
    """A search snippet without its `searchmatch` spans or other tags, entities decoded."""
    if not isinstance(snippet, str):
        return ""
    return " ".join(html.unescape(_TAG.sub("", snippet)).split())


def parse_revert_risk(payload: object) -> float:
    """The probability that a revision will be reverted (`output.probabilities.true`)."""
    if not isinstance(payload, Mapping):
        raise SourceFormatError("revert-risk: the response is not a JSON object")
    output = payload.get("output")
    probabilities = output.get("probabilities") if isinstance(output, Mapping) else None
    value = probabilities.get("true") if isinstance(probabilities, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise SourceFormatError("revert-risk: no output.probabilities.true in the response")
    return float(value)


def parse_continuation(payload: Mapping[str, Any]) -> Mapping[str, str] | None:
    """The `continue` object to send back unchanged (every key), or None at the end."""
    continuation = payload.get("continue")
    if continuation is None:
        return None
    if not isinstance(continuation, Mapping) or not continuation:
        raise SourceFormatError("Wikipedia API: continue is not an object")
    return {str(key): str(value) for key, value in continuation.items()}
