"""JsonFields: typed reads of a service's JSON, each failure one line naming service and field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sources.common.json import JsonFields
from sources.errors import SourceFormatError

GRAPH = JsonFields("Graph API")


def test_good_values_pass_through() -> None:
    assert GRAPH.mapping({"a": 1}, "x") == {"a": 1}
    assert GRAPH.sequence([1], "x") == [1]
    assert GRAPH.optional_sequence(None, "x") == ()
    assert GRAPH.integer(3, "x") == 3
    assert GRAPH.optional_integer(None, "x") is None
    assert GRAPH.number(3, "x") == 3.0 and GRAPH.optional_number(None, "x") is None
    assert GRAPH.text("t", "x") == "t"
    assert GRAPH.optional_text("", "x") is None


@pytest.mark.parametrize(
    ("read", "value", "message"),
    [
        (GRAPH.mapping, [1], "Graph API: data is missing or not an object"),
        (GRAPH.sequence, {}, "Graph API: data is missing or not a list"),
        (GRAPH.integer, True, "Graph API: data is missing or not a number"),  # a bool is no int
        (GRAPH.integer, "3", "Graph API: data is missing or not a number"),
        (GRAPH.number, None, "Graph API: data is missing or not a number"),
        (GRAPH.text, "", "Graph API: data is missing or not text"),
        (GRAPH.optional_text, 5, "Graph API: data is not text"),
    ],
)
def test_a_wrong_shape_is_one_line_naming_service_and_field(
    read: object, value: object, message: str
) -> None:
    with pytest.raises(SourceFormatError) as raised:
        read(value, "data")  # type: ignore[operator]
    assert str(raised.value) == message


def test_bodies_that_are_not_json_say_so_without_quoting_them() -> None:
    with pytest.raises(SourceFormatError) as raised:
        GRAPH.loads(b"<html>token=abc</html>", "graph.facebook.com/v24.0/1/feed")
    assert str(raised.value) == (
        "Graph API: graph.facebook.com/v24.0/1/feed: the response is not JSON"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-02T21:14:03Z", datetime(2026, 11, 2, 21, 14, 3, tzinfo=UTC)),  # Wikipedia
        ("2026-10-14T08:41:12.512345678Z", datetime(2026, 10, 14, 8, 41, 12, 512345, tzinfo=UTC)),
        ("2026-11-19T07:32:10+0000", datetime(2026, 11, 19, 7, 32, 10, tzinfo=UTC)),  # Graph
        ("2026-11-19T08:32:10+01:00", datetime(2026, 11, 19, 7, 32, 10, tzinfo=UTC)),
    ],
)
def test_timestamps_come_back_aware_in_utc(value: str, expected: datetime) -> None:
    moment = GRAPH.timestamp(value, "created_time")
    assert moment == expected and moment.utcoffset() is not None
    assert moment.tzinfo is UTC


def test_unix_seconds_only_where_the_service_sends_them() -> None:
    assert GRAPH.timestamp(1763537530, "created_time", unix=True) == datetime(
        2025, 11, 19, 7, 32, 10, tzinfo=UTC
    )
    with pytest.raises(SourceFormatError, match="created_time is missing or not text"):
        GRAPH.timestamp(1763537530, "created_time")
    assert GRAPH.optional_timestamp(None, "x") is None and GRAPH.optional_timestamp("", "x") is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yesterday", "Graph API: data.created_time is not a valid time: 'yesterday'"),
        (
            "2026-11-19T07:32:10",
            "Graph API: data.created_time has no time zone: '2026-11-19T07:32:10'",
        ),
        (None, "Graph API: data.created_time is missing or not text"),
        (True, "Graph API: data.created_time is missing or not text"),
    ],
)
def test_a_bad_timestamp_is_one_line_naming_service_and_field(value: object, message: str) -> None:
    with pytest.raises(SourceFormatError) as raised:
        GRAPH.timestamp(value, "data.created_time", unix=True)
    assert str(raised.value) == message
