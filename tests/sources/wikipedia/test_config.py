"""The wikipedia source's config and cursor: pages or search, bad values refused, defaults."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from sources.wikipedia import WikipediaConfig, WikipediaCursor
from tests.sources.wikipedia.support import PAGEID, QUERY, TITLE


def test_config_needs_pages_or_search() -> None:
    with pytest.raises(ValidationError, match="at least one of pages or search"):
        WikipediaConfig(type="wikipedia")


@pytest.mark.parametrize(
    "keys",
    [
        {"pages": [TITLE], "api_url": "ftp://en.wikipedia.org/w/api.php"},
        {"pages": [TITLE], "revert_risk_url": "not a url"},
        {"pages": ["https://en.wikipedia.org/wiki/St_Example"]},
        {"pages": [TITLE, TITLE]},
        {"search": ["  "]},
        {"pages": [TITLE], "unknown_key": 1},
        {"pages": [TITLE], "baseline_revisions": 0},
    ],
)
def test_config_refuses_bad_values(keys: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        WikipediaConfig(type="wikipedia", **keys)


def test_config_defaults_and_language() -> None:
    config = WikipediaConfig(type="wikipedia", search=[QUERY])
    assert config.api_url == "https://en.wikipedia.org/w/api.php"
    assert (config.revert_risk_url, config.baseline_revisions, config.language) == ("", 50, "en")
    welsh = WikipediaConfig(
        type="wikipedia", pages=["Ysgol Enghraifft"], api_url="https://cy.wikipedia.org/w/api.php"
    )
    assert welsh.language == "cy"


def test_a_malformed_cursor_starts_afresh_rather_than_failing() -> None:
    cursor = WikipediaCursor.from_json(
        {
            "pages": {TITLE: {"pageid": PAGEID, "revid": "x"}, "B": {"pageid": 1, "revid": 2}},
            "search": {QUERY: [1, 2], "bad": "x"},
        }
    )
    assert set(cursor.pages) == {"B"}
    assert cursor.search == {QUERY: frozenset({1, 2})}
    assert WikipediaCursor.from_json({"pages": ["nonsense"]}).pages == {}
