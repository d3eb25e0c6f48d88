"""Diff tables: added lines and inline changes, a body that is not a table, a refused diff."""

from __future__ import annotations

import pytest

from sources.errors import SourceFormatError
from sources.wikipedia.parse import parse_compare
from sources.wikipedia.text import parse_diff_table, readable_text
from tests.loopback import LoopbackServer
from tests.sources.wikipedia.support import (
    API,
    BASELINE_CURSOR,
    MARKUP_TEXT,
    by_id,
    config_for,
    facts_of,
    load,
    poll,
    reply,
    route_newer,
)


def test_the_diff_table_gives_added_lines_and_inline_changes() -> None:
    diff = parse_diff_table(parse_compare(load("compare_vandalism.json")).body)
    assert diff.added == (
        "a liar and an idiot … was sacked",
        "The school was criticised by parents in 2026 because it sucks.",
    )
    assert diff.removed[0] == "joined"
    assert diff.removed[1].startswith('In 2024 [[Ofsted]] rated the school "Good".<ref>')
    assert readable_text(diff.removed) == 'joined\nIn 2024 Ofsted rated the school "Good".'


def test_entities_and_wiki_markup_are_reduced_to_readable_text() -> None:
    comparison = parse_compare(load("compare_markup.json"))
    assert (comparison.fromsize, comparison.tosize) == (6230, 6598)
    diff = parse_diff_table(comparison.body)
    assert diff.removed == ()
    assert readable_text(diff.added) == MARKUP_TEXT


def test_a_body_that_is_not_a_diff_table_is_a_format_error() -> None:
    body = parse_compare(load("compare_not_a_table.json")).body
    with pytest.raises(SourceFormatError, match="not a MediaWiki diff table"):
        parse_diff_table(body)
    assert parse_diff_table("") == parse_diff_table("\n")  # a null edit changes nothing
    with pytest.raises(SourceFormatError, match="no diff body"):
        parse_compare({"compare": {"fromrevid": 1, "torevid": 2}})


def test_a_refused_diff_keeps_the_revision_with_its_comment(server: LoopbackServer) -> None:
    route_newer(server)
    server.route(
        API, reply("error_nosuchrevid.json"), params={"action": "compare", "torev": "1255002000"}
    )
    result = poll(config_for(server), BASELINE_CURSOR)
    refused = by_id(result.items)["1255002000"]
    assert (refused.text, refused.extra["diff_status"], refused.extra["diff_error"]) == (
        "/* Inspections */ 2025 report",
        "unavailable",
        "nosuchrevid",
    )
    assert facts_of(refused).size_delta == 368  # from the revision list's own sizes
