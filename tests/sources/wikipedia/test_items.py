"""What a revision item carries: links to the same wiki, offensive words, a creation's comment."""

from __future__ import annotations

from typing import Any

from monitor.model import EditorKind
from sources.common.words import OffensiveWords, shipped_offensive_words
from sources.wikipedia.items import (
    HIDDEN_USER,
    DiffStatus,
    EditText,
    RevertRisk,
    WikiLinks,
    revision_item,
)
from sources.wikipedia.parse import parse_revisions
from tests.sources.wikipedia.support import PAGEID, TITLE, facts_of, load


def test_offensive_words_match_whole_words_and_phrases_ignoring_case() -> None:
    words = OffensiveWords(shipped_offensive_words())
    assert words.find("The school SUCKS and the head is a Liar.") == ["liar", "sucks"]
    assert words.find("Pupils from Scunthorpe visited; the class is gay-friendly") == []
    assert words.find("they are gay") == ["are gay"]
    assert OffensiveWords([]).find("anything") == []


def test_links_point_at_the_same_wiki() -> None:
    links = WikiLinks("https://en.wikipedia.org/w/api.php")
    assert links.diff_url(1255000001, 1254000777) == (
        "https://en.wikipedia.org/w/index.php?diff=1255000001&oldid=1254000777"
    )
    assert links.diff_url(100, 0) == "https://en.wikipedia.org/w/index.php?oldid=100"
    assert links.article_url("St Example's CE Primary School") == (
        "https://en.wikipedia.org/wiki/St_Example's_CE_Primary_School"
    )
    other = WikiLinks("https://wiki.example.org/api.php")
    assert other.article_url("A & B") == "https://wiki.example.org/index.php?title=A_%26_B"


def test_a_page_creation_keeps_its_comment_and_flags_a_hidden_user() -> None:
    created = parse_revisions(load("revisions_baseline.json"), TITLE).revisions[1]
    created = type(created)(**{**_fields(created), "parentid": 0, "comment": "New article"})
    item = revision_item(
        TITLE,
        PAGEID,
        created,
        EditText(DiffStatus.PAGE_CREATION),
        RevertRisk(None, "page creation: not scored"),
        WikiLinks("https://en.wikipedia.org/w/api.php"),
        OffensiveWords([]),
    )
    assert item.author == HIDDEN_USER
    assert item.text == "New article"
    assert item.url == "https://en.wikipedia.org/w/index.php?oldid=1250000100"
    assert item.extra["diff_status"] == "page_creation"
    assert (facts_of(item).size_delta, facts_of(item).editor) == (None, EditorKind.HIDDEN)


def _fields(revision: Any) -> dict[str, Any]:
    return {name: getattr(revision, name) for name in revision.__slots__}
