"""Wikitext reduced to readable words; real diffs (new and old markup) read as a reader would."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from monitor.model import FetchResult, SourceState
from sources.http import PoliteClient
from sources.wikipedia import WikipediaConfig, fetch
from sources.wikipedia.parse import parse_compare
from sources.wikipedia.templates import parse_quote_line, shipped_template_kinds
from sources.wikipedia.text import Change, DiffText, new_words, parse_diff_table, readable_diff
from sources.wikipedia.wikitext import readable_text
from tests.loopback import LoopbackServer, Reply
from tests.sources.wikipedia.support import API, BASELINE_CURSOR, FIXTURES, TITLE, facts_of


@pytest.mark.parametrize(
    ("wikitext", "readable"),
    [
        ("{{Infobox school\n| name = St Example's\n}}", "name: St Example's"),
        ("A {{nowrap|{{small|nested}}}} template", "A template"),
        ("[[Exampleton|the village]] and [[Ofsted]]", "the village and Ofsted"),
        ("[[File:X.jpg|thumb|A [[caption]]]] text", "text"),
        ("'''bold''' and ''italic''", "bold and italic"),
        ("* a list item", "a list item"),
        ("== Heading ==", "Heading"),
        ("{| class=wikitable\n|-\n| cell\n|}", "cell"),
        ("text<ref>unclosed reference", "text"),
        ("Mr&amp;nbsp;Smith <b>bold</b>", "Mr Smith bold"),
        ("__NOTOC__", ""),
    ],
)
def test_wiki_markup_reduction(wikitext: str, readable: str) -> None:
    # The diff cells arrive HTML-escaped; BeautifulSoup unescapes once, readable_text the rest.
    assert readable_text([wikitext.replace("&amp;", "&")]) == readable


# What a reader sees added by the edits in compare_real_shapes.json and compare_old_markup.json.
REAL_SHAPES_ADDED = (
    "was sacked\n"
    "The head teacher is a liar and a bully. — A parent\n"
    "The school covered up the bullying. — Former pupil\n"
    "2025 · 80 · 112\n"
    "Clubs\n"
    "After-school clubs\n"
    "Club · Day\n"
    "Chess · Monday\n"
    "Football · Friday"
)


def diff_of(name: str) -> Any:
    """The parsed diff table of a compare fixture."""
    payload = json.loads((FIXTURES / name).read_text("utf-8"))
    return parse_diff_table(parse_compare(payload).body)


@pytest.mark.parametrize("name", ["compare_real_shapes.json", "compare_old_markup.json"])
def test_a_real_diff_reads_as_the_article_reads(name: str) -> None:
    readable = readable_diff(diff_of(name))
    # The quotation's words are kept; the table is its cells; the reference changes (name=":14",
    # a new <ref />) and the links that lost their brackets add and remove nothing.
    assert readable.added == REAL_SHAPES_ADDED
    assert readable.removed == "joined"


def test_old_diffs_mark_changes_with_diffchange_spans() -> None:
    old = diff_of("compare_old_markup.json")
    new = diff_of("compare_real_shapes.json")
    assert "was sacked" in old.added and "joined" in old.removed
    # The raw wikitext spans (searched for offensive words) are the same in both markups.
    assert (old.added, old.removed) == (new.added, new.removed)


def test_a_moved_paragraph_counts_only_its_highlighted_words() -> None:
    body = (
        '<tr><td colspan="2" class="diff-side-deleted"></td><td class="diff-marker"'
        ' data-marker="+"></td><td class="diff-addedline diff-side-added">'
        '<a class="mw-diff-movedpara-right" href="#movedpara_1_0_lhs">&#x26AB;</a>'
        '<div>The [[Ofsted]] report was <ins class="diffchange diffchange-inline">'
        "damning</ins>.</div></td></tr>\n"
    )
    assert readable_diff(parse_diff_table(body)).added == "damning"


@pytest.mark.parametrize(
    ("wikitext", "readable"),
    [
        # Quotation templates keep their words (and attribution).
        (
            "{{quote|The head teacher is a liar and a bully.}}",
            "The head teacher is a liar and a bully.",
        ),
        ("{{Quote|text=Awful.|author=A parent|source=[[Mumsnet]]}}", "Awful. — A parent, Mumsnet"),
        ("{{Cquote|1=Dreadful school.}}", "Dreadful school."),
        ("{{rquote|right|Shocking.|Parent}}", "Shocking. — Parent"),
        ("{{Pull_quote|''Never again''}}", "Never again"),
        (
            "{{quote box\n|quote=Bullying ignored.\n|author=Governor\n}}",
            "Bullying ignored. — Governor",
        ),
        # References and citations are dropped, whole or in pieces.
        (
            'Good.<ref name=":14">{{cite web|url=https://x.example|title=T}}</ref> More',
            "Good. More",
        ),
        ("{{cite news\n|url=https://x.example\n|title=Parents angry\n}}", ""),
        ("Rated good.{{sfn|Smith|2020|p=4}}", "Rated good."),
        ('name=":14" />', ""),
        (">", ""),
        # Tables are their cells' text.
        ('! style="background:#B0C4DE;" | Year', "Year"),
        ("| 84 || 107", "84 · 107"),
        ('| valign="top" width="50%" |', ""),
        (
            '{| class="wikitable"\n|+ Roll\n! Year !! Pupils\n|-\n| 2024 || 84\n|}',
            "Roll\nYear · Pupils\n2024 · 84",
        ),
        # Template arguments are their default, or nothing.
        ("{{{1}}}", ""),
        ("Head: {{{head|Mrs Example}}}", "Head: Mrs Example"),
        # A template opened on an earlier line: a quotation's words kept, a citation's dropped.
        ("{{quote|\nThe head lied to us.\n}}", "The head lied to us."),
        ("{{cquote\n| text = Staff were rude.", "Staff were rude."),
        ("| title = Parents angry }}</ref> Later text.", "Later text."),
        (
            "[[:Category:Schools in Berkshire|schools]] and [[wikt:bully|bullies]]",
            "schools and bullies",
        ),
        ("<poem>Line one\nLine two</poem>", "Line one\nLine two"),
    ],
)
def test_wikitext_reduction(wikitext: str, readable: str) -> None:
    assert readable_text([wikitext]) == readable


def test_a_config_can_add_quotation_templates() -> None:
    kinds = shipped_template_kinds().with_quotes(["Parent quote", "Quote panel: body ; speaker"])
    assert readable_text(["{{Parent quote|They lie.}}"]) == ""
    assert readable_text(["{{Parent quote|They lie.}}"], kinds) == "They lie."
    assert readable_text(["{{quote panel|body=Liars.|speaker=Dad}}"], kinds) == "Liars. — Dad"
    assert parse_quote_line("rquote: quote 2 ; author 3")[0] == "rquote"
    with pytest.raises(ValueError, match="not a template name"):
        parse_quote_line("{{quote}}")
    with pytest.raises(ValidationError, match="name the parameters"):
        WikipediaConfig(type="wikipedia", pages=[TITLE], quote_templates=["box: ; author"])


def test_a_fetched_revision_stores_what_a_reader_sees(server: LoopbackServer) -> None:
    def reply(name: str) -> Reply:
        return Reply.fixture(f"wikipedia/{name}", "application/json; charset=utf-8")

    wanted = {"action": "query", "prop": "revisions", "titles": TITLE}
    newer = {"rvstartid": "1254000777", "rvdir": "newer"}
    server.route(API, reply("revisions_newer_1.json"), params={**wanted, **newer})
    continued = {**wanted, **newer, "rvcontinue": "20261102211420|1255001122"}
    server.route(API, reply("revisions_newer_2.json"), params=continued)
    for torev, name in [
        ("1255000001", "compare_vandalism.json"),
        ("1255001122", "compare_rollback.json"),
        ("1255002000", "compare_old_markup.json"),
    ]:
        server.route(API, reply(name), params={"action": "compare", "torev": torev})
    config = WikipediaConfig(type="wikipedia", api_url=server.url + API, pages=[TITLE])

    async def run() -> FetchResult:
        async with PoliteClient(contact="test@example.org", backoff=0.01, timeout=5) as http:
            state = SourceState(
                "wiki", cursor=BASELINE_CURSOR, last_success_at=datetime(2026, 11, 1, tzinfo=UTC)
            )
            return await fetch(http, config, state)

    edit = next(item for item in asyncio.run(run()).items if item.external_id == "1255002000")
    assert edit.text == REAL_SHAPES_ADDED
    assert edit.extra["removed_text"] == "joined"
    # The quotation's words reach the offensive-word check (before, they vanished with it).
    assert facts_of(edit).offensive_words == ("liar",)


def test_hostile_nesting_and_huge_edits_are_read_not_crashed_on() -> None:
    # mwparserfromhell's builder recurses per level: thousands of levels raise RecursionError.
    assert readable_text(["{{" * 5000 + "x" + "}}" * 5000]) == "x"
    table = '{| class="wikitable"\n' + "|-\n| a || b\n" * 20_000 + "|}"
    added = readable_diff(DiffText((), (), (Change(table),), ())).added
    # Only the first stretch of a huge addition is reduced: more than is ever stored.
    assert added.startswith("a · b\na · b\n") and 20_000 < len(added) < len(table) // 2


def test_new_words_finds_an_insertion_in_a_long_paragraph() -> None:
    paragraph = "The school has a long history. " * 3000
    assert new_words(paragraph, paragraph + "The head is a liar.") == "The head is a liar."
    half = len(paragraph) // 2  # a sentence boundary: 3,000 sentences of equal length
    middle = paragraph[:half] + "Staff are bullies. " + paragraph[half:]
    assert new_words(paragraph, middle) == "Staff are bullies."
    # Word pairs past MAX_DIFF_PAIRS are not aligned: the whole changed middle counts as new.
    before = " ".join(f"w{index}" for index in range(2000))
    after = " ".join(f"v{index}" for index in range(2000))
    assert new_words(before, after) == after
