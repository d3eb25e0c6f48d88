"""Golden parses of revisions: named, hidden, IP and temporary editors; redirects; missing pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.model import EditorKind
from sources.errors import SourceFormatError
from sources.wikipedia.items import editor_kind
from sources.wikipedia.parse import PageNotFoundError, parse_revisions
from tests.sources.wikipedia.support import PAGEID, TITLE, load


def test_revisions_of_named_hidden_and_ip_editors_are_read() -> None:
    page = parse_revisions(load("revisions_baseline.json"), TITLE)
    named, hidden, ip = page.revisions
    assert (page.title, page.pageid) == (TITLE, PAGEID)
    assert (named.user, named.comment, named.size, named.tags) == (
        "Schoolhistorian",
        "/* History */ expanded with sources",
        6230,
        ("visualeditor",),
    )
    assert (hidden.user, hidden.comment, hidden.userhidden, hidden.commenthidden) == (
        None,
        None,
        True,
        True,
    )
    assert (ip.user, ip.anon, ip.temp) == ("192.0.2.44", True, False)
    assert named.timestamp == datetime(2026, 10, 1, 8, 30, tzinfo=UTC)
    assert page.continuation == {"rvcontinue": "20190304101500|1230000000", "continue": "||"}


def test_a_temporary_account_is_temporary_not_anonymous() -> None:
    page = parse_revisions(load("revisions_newer_1.json"), TITLE)
    temporary = page.revisions[1]
    assert (temporary.user, temporary.temp, temporary.anon) == ("~2026-48233-24", True, False)
    assert editor_kind(temporary) == EditorKind.TEMPORARY
    assert [
        editor_kind(revision)
        for revision in parse_revisions(load("revisions_baseline.json"), TITLE).revisions
    ] == ["registered", "hidden", "anonymous"]


def test_a_normalised_and_redirected_title_is_followed() -> None:
    page = parse_revisions(load("revisions_redirect.json"), "st_Example's_school")
    assert page.title == TITLE
    assert page.redirected_from == "St Example's school"


def test_a_missing_page_is_an_error_naming_the_title() -> None:
    with pytest.raises(PageNotFoundError, match=r"St Nowhere Primary School.*does not exist"):
        parse_revisions(load("revisions_missing.json"), "St Nowhere Primary School")


def test_formatversion_1_pages_are_a_format_error() -> None:
    with pytest.raises(SourceFormatError, match="formatversion=2"):
        parse_revisions(load("revisions_formatversion1.json"), TITLE)
