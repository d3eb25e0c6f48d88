"""read_each: one unreadable item is skipped and counted; a page with none readable fails."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from monitor.config.secrets import register
from monitor.model import MAX_SKIP_REASONS, Health, Skipped
from sources.common.items import SkipTally, read_each, reason
from sources.common.json import JsonFields
from sources.errors import SourceFormatError, SourceUnavailableError

FIELDS = JsonFields("Example API")


def read_comment(raw: object, index: int) -> str:
    """The id of one comment object, as an adapter's per-item parser would read it."""
    comment: Mapping[str, Any] = FIELDS.mapping(raw, f"data[{index}]")
    return FIELDS.text(comment.get("id"), f"data[{index}].id")


def test_one_bad_item_is_skipped_and_counted_and_the_rest_kept_in_order() -> None:
    read = read_each([{"id": "a"}, {"message": "no id"}, None, {"id": "b"}], read_comment)
    assert read.items == ["a", "b"]
    assert read.skipped == Skipped(
        2,
        (
            "Example API: data[1].id is missing or not text",
            "Example API: data[2] is missing or not an object",
        ),
    )


def test_nothing_there_is_nothing_skipped_and_no_error() -> None:
    read = read_each([], read_comment)
    assert (read.items, read.skipped) == ([], Skipped())


def test_a_page_where_every_item_is_bad_is_a_format_error() -> None:
    with pytest.raises(SourceFormatError) as one:
        read_each([{"message": "no id"}], read_comment)
    assert str(one.value) == "Example API: data[0].id is missing or not text"
    with pytest.raises(SourceFormatError) as two:
        read_each([{}, {}], read_comment)
    assert str(two.value) == (
        "Example API: data[0].id is missing or not text (none of the 2 items could be read)"
    )
    assert two.value.health == Health.PARSER_BROKEN
    with pytest.raises(SourceFormatError, match=r"^the page layout may have changed$"):
        read_each([{}], read_comment, none_read="the page layout may have changed")


def test_only_format_errors_are_skipped() -> None:
    def unavailable(raw: object, index: int) -> str:
        raise SourceUnavailableError("the service went away")

    with pytest.raises(SourceUnavailableError):
        read_each([{"id": "a"}], unavailable)


def test_reasons_are_short_quote_little_and_never_hold_a_secret() -> None:
    register("tok-9f8e7d6c5b4a-secret")
    error = SourceFormatError(
        "Example API: data[3].created_time is not a valid time: 'My son was bullied and nobody "
        "did anything' (token tok-9f8e7d6c5b4a-secret)"
    )
    shown = reason(error)
    assert "tok-9f8e7d6c5b4a-secret" not in shown and "***" in shown
    assert "'My son w…'" in shown and "bullied" not in shown
    assert len(reason(SourceFormatError("x" * 500))) == 120
    # An apostrophe is not a quote: the words around it are the parser's own, kept whole.
    own = "thread 5412999: a post's author or time could not be read from the page's header"
    assert reason(SourceFormatError(own)) == own


def test_a_tally_adds_pages_and_keeps_a_few_distinct_reasons() -> None:
    tally = SkipTally()
    for _ in range(MAX_SKIP_REASONS + 2):
        assert tally.read_each([{"id": "a"}, {}, {}], read_comment) == ["a"]
    assert tally.skipped.count == 2 * (MAX_SKIP_REASONS + 2)
    assert tally.skipped.reasons == (
        "Example API: data[1].id is missing or not text",
        "Example API: data[2].id is missing or not text",
    )
    many = Skipped(1, ("a",)) + Skipped(MAX_SKIP_REASONS, tuple("bcdefgh"))
    assert many == Skipped(MAX_SKIP_REASONS + 1, tuple("abcde"))
