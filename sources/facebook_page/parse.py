"""Graph API responses read into typed values: feed posts, comments, paging, errors, usage.

Pure functions over decoded JSON. A shape that is not the documented one raises
SourceFormatError ("Graph API: data[2].id is missing or not text"); `graph_problem` finds the
`error` object Graph sends with HTTP 400/401/403/500.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sources.common.json import JsonFields

GRAPH = JsonFields("Graph API")


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote a post or comment: the display name and the app-scoped id (never stored)."""

    id: str | None
    name: str | None


@dataclass(frozen=True, slots=True)
class Attachment:
    """What a post shares (a link, a photo, an event): its title and description, if any."""

    title: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class Post:
    """One story of the Page's feed.

    `message` is what the author wrote ("" for a bare share); `story` is Facebook's line about
    it ("Jo Visitor shared a link."), and `attachments` what was shared.
    """

    id: str
    message: str
    created_time: datetime
    author: Author
    permalink_url: str | None
    status_type: str | None
    story: str | None = None
    attachments: tuple[Attachment, ...] = ()
    is_hidden: bool = False


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment or reply (`parent_id` set for a reply when read with filter=stream)."""

    id: str
    message: str
    created_time: datetime
    author: Author
    permalink_url: str | None
    parent_id: str | None
    is_hidden: bool
    can_hide: bool | None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of an edge's results and the query of the next page, if there is one."""

    data: tuple[object, ...]  # each entry as sent: the caller reads (or skips) it on its own
    next_query: Mapping[str, str] | None


@dataclass(frozen=True, slots=True)
class GraphProblem:
    """An error object from the Graph API (`error.code`, `error_subcode`, `type`, `fbtrace_id`)."""

    code: int | None
    subcode: int | None
    type: str
    message: str
    fbtrace_id: str | None


def parse_author(value: object, name: str) -> Author:
    """`from`: absent when Graph withholds it (privacy, or no pages_read_user_content)."""
    if value is None:
        return Author(None, None)
    author = GRAPH.mapping(value, name)
    return Author(
        GRAPH.optional_text(author.get("id"), f"{name}.id"),
        GRAPH.optional_text(author.get("name"), f"{name}.name"),
    )


def parse_page(payload: object, name: str) -> Page:
    """An edge's `data` list and the `paging.next` link's query (None when `next` is absent)."""
    body = GRAPH.mapping(payload, name)
    data = GRAPH.sequence(body.get("data"), f"{name}: data")
    paging = body.get("paging")
    next_query = None
    if paging is not None:
        links = GRAPH.mapping(paging, f"{name}: paging")
        next_link = GRAPH.optional_text(links.get("next"), f"{name}: paging.next")
        if next_link is not None:
            next_query = dict(parse_qsl(urlsplit(next_link).query, keep_blank_values=True))
    return Page(tuple(data), next_query)


def parse_post(entry: Mapping[str, Any], name: str) -> Post:
    """One entry of `/{page-id}/feed`."""
    return Post(
        id=GRAPH.text(entry.get("id"), f"{name}.id"),
        message=GRAPH.optional_text(entry.get("message"), f"{name}.message") or "",
        created_time=GRAPH.timestamp(entry.get("created_time"), f"{name}.created_time"),
        author=parse_author(entry.get("from"), f"{name}.from"),
        permalink_url=GRAPH.optional_text(entry.get("permalink_url"), f"{name}.permalink_url"),
        status_type=GRAPH.optional_text(entry.get("status_type"), f"{name}.status_type"),
        story=GRAPH.optional_text(entry.get("story"), f"{name}.story"),
        attachments=parse_attachments(entry.get("attachments"), f"{name}.attachments"),
        is_hidden=_flag(entry.get("is_hidden"), f"{name}.is_hidden") or False,
    )


def parse_attachments(value: object, name: str) -> tuple[Attachment, ...]:
    """A post's `attachments`, nested as Graph nests an edge: {"data": [{title, description}]}."""
    if value is None:
        return ()
    data = GRAPH.sequence(GRAPH.mapping(value, name).get("data"), f"{name}.data")
    attachments: list[Attachment] = []
    for index, raw in enumerate(data):
        entry = GRAPH.mapping(raw, f"{name}.data[{index}]")
        attachments.append(
            Attachment(
                GRAPH.optional_text(entry.get("title"), f"{name}.data[{index}].title"),
                GRAPH.optional_text(entry.get("description"), f"{name}.data[{index}].description"),
            )
        )
    return tuple(attachments)


def parse_comment(entry: Mapping[str, Any], name: str) -> Comment:
    """One entry of `/{post-id}/comments?filter=stream`."""
    parent = entry.get("parent")
    parent_id = None
    if parent is not None:
        parent_id = GRAPH.text(GRAPH.mapping(parent, f"{name}.parent").get("id"), f"{name}.parent")
    return Comment(
        id=GRAPH.text(entry.get("id"), f"{name}.id"),
        message=GRAPH.optional_text(entry.get("message"), f"{name}.message") or "",
        created_time=GRAPH.timestamp(entry.get("created_time"), f"{name}.created_time"),
        author=parse_author(entry.get("from"), f"{name}.from"),
        permalink_url=GRAPH.optional_text(entry.get("permalink_url"), f"{name}.permalink_url"),
        parent_id=parent_id,
        is_hidden=_flag(entry.get("is_hidden"), f"{name}.is_hidden") or False,
        can_hide=_flag(entry.get("can_hide"), f"{name}.can_hide"),
    )


def _flag(value: object, name: str) -> bool | None:
    """A JSON bool, None when absent."""
    if value is None or isinstance(value, bool):
        return value
    raise GRAPH.fail(f"{name} is not true or false")


def graph_problem(payload: object) -> GraphProblem | None:
    """The `error` object of a Graph response, or None when there is none."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("error"), Mapping):
        return None
    error = payload["error"]

    def number(key: str) -> int | None:
        value = error.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def text(key: str) -> str:
        # Whole: it is masked, then shortened, where it becomes an error message.
        value = error.get(key)
        return " ".join(value.split()) if isinstance(value, str) else ""

    return GraphProblem(
        code=number("code"),
        subcode=number("error_subcode"),
        type=text("type"),
        message=text("message"),
        fbtrace_id=text("fbtrace_id") or None,
    )


def usage_percent(headers: Mapping[str, str]) -> float | None:
    """The highest share (0–100) of any quota reported in X-Business-Use-Case-Usage/X-App-Usage."""
    shares: list[float] = []
    for header in ("X-Business-Use-Case-Usage", "X-App-Usage", "X-Page-Usage"):
        raw = headers.get(header)
        if raw:
            shares.extend(_quota_shares(_loads(raw)))
    return max(shares) if shares else None


def regain_minutes(headers: Mapping[str, str]) -> int | None:
    """The longest `estimated_time_to_regain_access` (minutes) in X-Business-Use-Case-Usage."""
    raw = headers.get("X-Business-Use-Case-Usage")
    found: list[int] = []
    usage = _loads(raw) if raw else None
    for entries in usage.values() if isinstance(usage, Mapping) else ():
        for entry in entries if isinstance(entries, list) else ():
            value = (
                entry.get("estimated_time_to_regain_access") if isinstance(entry, Mapping) else None
            )
            if isinstance(value, int | float) and not isinstance(value, bool):
                found.append(int(value))
    return max(found) if found else None


def _loads(raw: str) -> object:
    """A usage header's JSON, or None when it is garbled (a header must never fail a poll)."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _quota_shares(usage: object) -> list[float]:
    """Every percentage in a usage header: a flat object, or BUC's {id: [objects]}."""
    keys = ("call_count", "total_cputime", "total_time")
    objects: list[Mapping[str, Any]] = []
    if isinstance(usage, Mapping):
        if any(key in usage for key in keys):
            objects.append(usage)
        else:
            for entries in usage.values():
                if isinstance(entries, list):
                    objects.extend(entry for entry in entries if isinstance(entry, Mapping))
    return [
        float(entry[key])
        for entry in objects
        for key in keys
        if isinstance(entry.get(key), int | float) and not isinstance(entry.get(key), bool)
    ]
