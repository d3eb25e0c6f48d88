"""Text made safe for both backends before storage."""

from __future__ import annotations

from monitor.model import Item
from storage.safe_text import safe_item, safe_json, safe_text


def test_controls_and_lone_surrogates_go_tabs_and_newlines_stay() -> None:
    assert safe_text("a\x00b\x07c\td\ne\r\nf\x1b[31m") == "abc\td\ne\nf[31m"
    assert safe_text("x\ud800y") == "x\ufffdy"
    assert safe_text("plain") == "plain"


def test_json_values_and_keys_are_cleaned_recursively() -> None:
    assert safe_json({"k\x00": ["v\x00", {"n": 1, "t": ("a\ud800",)}], "b": None}) == {
        "k": ["v", {"n": 1, "t": ["a\ufffd"]}],
        "b": None,
    }


def test_an_item_is_cleaned_in_every_text_field() -> None:
    dirty = Item(
        "id\x00",
        "entry",
        "text\x00",
        url="https://a.example/\x00",
        title="t\x01",
        author="a\x02",
        parent_external_id="p\x03",
        extra={"e": "x\x00"},
    )
    clean = safe_item(dirty)
    assert (clean.external_id, clean.text, clean.url, clean.title, clean.author) == (
        "id",
        "text",
        "https://a.example/",
        "t",
        "a",
    )
    assert clean.parent_external_id == "p" and clean.extra == {"e": "x"}
    tidy = Item("id", "entry", "text")
    assert safe_item(tidy) is tidy
