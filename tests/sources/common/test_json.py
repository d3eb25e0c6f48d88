"""JsonFields: typed reads of a service's JSON, each failure one line naming service and field."""

from __future__ import annotations

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
