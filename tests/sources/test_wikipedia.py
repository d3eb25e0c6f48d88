"""The wikipedia source: golden parses of the fixture files, then polls over real HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from monitor.cli import main
from monitor.model import EditorKind, FetchResult, Item, RevisionFacts, SourceState
from sources.common.words import OffensiveWords, shipped_offensive_words
from sources.errors import SourceFormatError, SourceRateLimitedError
from sources.http import PoliteClient
from sources.wikipedia import WikipediaConfig, WikipediaCursor, fetch
from sources.wikipedia.api import WikipediaApiError
from sources.wikipedia.items import (
    HIDDEN_USER,
    DiffStatus,
    EditText,
    RevertRisk,
    WikiLinks,
    editor_kind,
    revision_item,
)
from sources.wikipedia.parse import (
    PageNotFoundError,
    api_problem,
    parse_compare,
    parse_revert_risk,
    parse_revisions,
    parse_search,
)
from sources.wikipedia.text import parse_diff_table, readable_text
from storage.database import Store
from storage.mentions import list_mentions
from tests.commands import monitor, statuses, stored_ids
from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply

FIXTURES = Path(__file__).parents[1] / "fixtures" / "wikipedia"
TITLE = "St Example's CE Primary School"
PAGEID = 31415926
QUERY = '"St Example\'s CE Primary"'
API = "/w/api.php"
CONTINUE = "20261102211420|1255001122"
RISK = "/service/lw/inference/v1/models/revertrisk-language-agnostic:predict"
BASELINE_CURSOR = {"pages": {TITLE: {"pageid": PAGEID, "revid": 1254000777}}, "search": {}}
MARKUP_TEXT = (
    "motto: Learning together\n"
    "2025 inspection\n"
    'In March 2025 Ofsted judged the school "Requires Improvement" – the head, Mrs Example,'
    ' said staff were "disappointed".\n'
    "Read the full report online."
)


def load(name: str) -> Any:
    """A fixture file's JSON."""
    return json.loads((FIXTURES / name).read_text("utf-8"))


def reply(name: str, **kwargs: Any) -> Reply:
    """A 200 JSON reply with a fixture file as its body."""
    return Reply.fixture(f"wikipedia/{name}", "application/json; charset=utf-8", **kwargs)


def config_for(server: LoopbackServer, **keys: Any) -> WikipediaConfig:
    """A wikipedia source pointed at the loopback server."""
    keys.setdefault("pages", [TITLE])
    return WikipediaConfig(type="wikipedia", api_url=server.url + API, **keys)


def poll(config: WikipediaConfig, cursor: Mapping[str, Any] | None = None) -> FetchResult:
    """One fetch through a real client, from `cursor` (None: the source's first poll)."""

    async def run() -> FetchResult:
        async with PoliteClient(contact="test@example.org", backoff=0.01, timeout=5) as http:
            last_success = None if cursor is None else datetime(2026, 11, 1, tzinfo=UTC)
            state = SourceState("wiki", cursor=cursor or {}, last_success_at=last_success)
            result: FetchResult = await fetch(http, config, state)
            return result

    return asyncio.run(run())


def route_page(server: LoopbackServer, *replies: Reply, **params: str) -> None:
    """Serve `replies` to prop=revisions requests for TITLE with these extra parameters."""
    wanted = {"action": "query", "prop": "revisions", "titles": TITLE, **params}
    server.route(API, *replies, params=wanted)


def route_compares(server: LoopbackServer) -> None:
    """Serve the three fixture diffs, each to its own torev."""
    for torev, name in [
        ("1255000001", "compare_vandalism.json"),
        ("1255001122", "compare_rollback.json"),
        ("1255002000", "compare_markup.json"),
    ]:
        server.route(API, reply(name), params={"action": "compare", "torev": torev})


def route_newer(server: LoopbackServer) -> None:
    """Two pages of revisions after the baseline, joined by `continue`, and their diffs."""
    newer = {"rvstartid": "1254000777", "rvdir": "newer"}
    route_page(server, reply("revisions_newer_1.json"), **newer)
    route_page(server, reply("revisions_newer_2.json"), **newer, rvcontinue=CONTINUE)
    route_compares(server)


def queries(server: LoopbackServer, path: str = API) -> list[dict[str, str]]:
    """The query parameters of each request to `path`, in order."""
    return [dict(parse_qsl(request.query)) for request in server.requests_to(path)]


def by_id(items: list[Item]) -> dict[str, Item]:
    """Items keyed by external id."""
    return {item.external_id: item for item in items}


def facts_of(item: Item) -> RevisionFacts:
    """A revision's facts (every revision has them)."""
    assert isinstance(item.facts, RevisionFacts), item.external_id
    return item.facts


# Golden parses of the fixture files


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


def test_an_api_error_object_becomes_one_readable_line() -> None:
    problem = api_problem(load("error_badvalue.json"))
    assert problem is not None
    assert problem.code == "badvalue"
    assert problem.describe() == (
        'Wikipedia API error badvalue: Unrecognized value for parameter "prop": revisionz.'
        " See the help."
    )
    assert api_problem(load("revisions_baseline.json")) is None
    with pytest.raises(SourceFormatError):
        api_problem(["not", "an", "object"])


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


def test_search_snippets_lose_their_match_spans_and_entities() -> None:
    page = parse_search(load("search_1.json"))
    assert [hit.title for hit in page.hits] == [
        "Exampleton",
        TITLE,
        "List of schools in Exampleshire",
    ]
    assert page.hits[0].snippet == (
        'The village is served by St Example\'s CE Primary, rated "Good" in 2024 & 2021'
    )
    assert page.continuation == {"sroffset": "3", "continue": "-||"}
    assert page.totalhits == 4
    assert parse_search(load("search_2.json")).continuation is None


def test_a_search_result_without_title_is_a_format_error() -> None:
    with pytest.raises(SourceFormatError):
        parse_search(load("search_broken.json"))


def test_revert_risk_is_the_probability_of_true() -> None:
    assert parse_revert_risk(load("revertrisk_high.json")) == 0.8123
    for broken in ("revertrisk_creation_error.json", "revertrisk_not_found.json"):
        with pytest.raises(SourceFormatError):
            parse_revert_risk(load(broken))


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
    assert item.facts is not None
    assert (item.facts.size_delta, item.facts.editor) == (None, EditorKind.HIDDEN)


def _fields(revision: Any) -> dict[str, Any]:
    return {name: getattr(revision, name) for name in revision.__slots__}


# Configuration


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


# Polls over real HTTP


def test_first_poll_stores_the_latest_revisions_as_baseline(server: LoopbackServer) -> None:
    route_page(server, reply("revisions_baseline.json"))
    result = poll(config_for(server))
    assert [item.external_id for item in result.items] == ["1240000000", "1250000100", "1254000777"]
    ip, hidden, named = result.items
    assert all(item.extra["baseline"] for item in result.items)
    assert (named.text, named.author, facts_of(named).editor) == (
        "/* History */ expanded with sources",
        "Schoolhistorian",
        EditorKind.REGISTERED,
    )
    assert facts_of(named).size_delta == 230  # from the baseline's own sizes
    assert (hidden.author, hidden.text, hidden.extra["comment"]) == (HIDDEN_USER, "", None)
    assert (hidden.extra["userhidden"], hidden.extra["commenthidden"]) == (True, True)
    assert (ip.author, ip.extra["anon"], facts_of(ip).editor) == (
        "192.0.2.44",
        True,
        EditorKind.ANONYMOUS,
    )
    assert ip.published_at == datetime(2019, 3, 4, 10, 15, tzinfo=UTC)
    assert named.url == f"{server.url}/w/index.php?diff=1254000777&oldid=1250000100"
    assert result.cursor == BASELINE_CURSOR
    # One request: no older history, no diffs.
    (sent,) = queries(server)
    assert sent["rvlimit"] == "50" and "rvstartid" not in sent and "rvcontinue" not in sent
    assert (sent["format"], sent["formatversion"], sent["maxlag"]) == ("json", "2", "5")
    user_agent = server.requests[0].headers["User-Agent"]
    assert "test@example.org" in user_agent
    assert result.requests == 1


def test_new_revisions_follow_continue_and_carry_the_added_text(server: LoopbackServer) -> None:
    route_newer(server)
    result = poll(config_for(server), BASELINE_CURSOR)
    items = by_id(result.items)
    assert list(items) == ["1255000001", "1255001122", "1255002000"]
    vandalism = items["1255000001"]
    assert vandalism.text == (
        "a liar and an idiot … was sacked\n"
        "The school was criticised by parents in 2026 because it sucks."
    )
    assert vandalism.author == "~2026-48233-24"
    assert vandalism.url == f"{server.url}/w/index.php?diff=1255000001&oldid=1254000777"
    extra, facts = vandalism.extra, facts_of(vandalism)
    assert (facts.editor, extra["temp"], extra["anon"]) == (EditorKind.TEMPORARY, True, False)
    assert extra["removed_text"] == 'joined\nIn 2024 Ofsted rated the school "Good".'
    assert (facts.size_delta, facts.bytes_removed, facts.removed_share) == (-110, 110, 0.0177)
    assert (facts.blanking, facts.replaced) == (False, False)
    assert (extra["baseline"], extra["diff_status"]) == (False, "fetched")
    assert facts.offensive_words == ("idiot", "liar", "sucks")
    assert (facts.reverted, facts.is_revert, extra["revert_tags"]) == (True, False, ["mw-reverted"])
    assert (facts.revert_risk, extra["revert_risk_note"]) == (None, "off")
    rollback = items["1255001122"]
    assert (facts_of(rollback).is_revert, rollback.extra["revert_tags"]) == (True, ["mw-rollback"])
    assert facts_of(rollback).offensive_words == ()  # what it removed is not what it said
    assert items["1255002000"].text == MARKUP_TEXT
    assert result.cursor == {
        "pages": {TITLE: {"pageid": PAGEID, "revid": 1255002000}},
        "search": {},
    }


REPOLL_CURSOR = {"pages": {TITLE: {"pageid": PAGEID, "revid": 1255002000}}, "search": {}}


def route_reverts(server: LoopbackServer) -> None:
    """An insult undone (mw-undo), then spam removed by hand (mw-manual-revert), and the diffs."""
    route_page(server, reply("revisions_reverts.json"), rvstartid="1255002000", rvdir="newer")
    for torev, name in [
        ("1255003000", "compare_insult.json"),
        ("1255003050", "compare_undo.json"),
        ("1255003900", "compare_spam.json"),
        ("1255004000", "compare_manual_revert.json"),
    ]:
        server.route(API, reply(name), params={"action": "compare", "torev": torev})


def test_an_undo_and_a_manual_revert_are_reverts(server: LoopbackServer) -> None:
    route_reverts(server)
    items = by_id(poll(config_for(server), REPOLL_CURSOR).items)
    assert list(items) == ["1255003000", "1255003050", "1255003900", "1255004000"]
    insult, undo, spam, manual = (item.facts for item in items.values())
    assert insult is not None and undo is not None and spam is not None and manual is not None
    assert (insult.reverted, insult.is_revert, insult.offensive_words) == (True, False, ("idiot",))
    assert (undo.is_revert, undo.reverted) == (True, False)
    assert items["1255003050"].extra["revert_tags"] == ["mw-undo"]
    # The undo's summary quotes the insult it removes: not the undoer's word.
    assert "idiot" in items["1255003050"].extra["comment"] and undo.offensive_words == ()
    assert (spam.reverted, spam.is_revert, spam.editor) == (True, False, EditorKind.ANONYMOUS)
    assert manual.is_revert and items["1255004000"].extra["revert_tags"] == ["mw-manual-revert"]
    # A temporary account removing 1,066 bytes would look like vandalism, were it not a revert.
    assert (manual.editor, manual.bytes_removed) == (EditorKind.TEMPORARY, 1066)


def test_continue_is_sent_back_whole_and_the_stored_revision_is_skipped(
    server: LoopbackServer,
) -> None:
    route_newer(server)
    result = poll(config_for(server), BASELINE_CURSOR)
    pages = [sent for sent in queries(server) if sent["action"] == "query"]
    assert [sent.get("rvcontinue") for sent in pages] == [None, "20261102211420|1255001122"]
    assert pages[1]["continue"] == "||"
    assert pages[1]["rvstartid"] == "1254000777"  # the original parameters go with it
    compares = [sent for sent in queries(server) if sent["action"] == "compare"]
    assert [(sent["fromrev"], sent["torev"]) for sent in compares] == [
        ("1254000777", "1255000001"),
        ("1255000001", "1255001122"),
        ("1255001122", "1255002000"),
    ]
    assert "1254000777" not in by_id(result.items)
    assert result.requests == 5


def test_a_repoll_adds_nothing(server: LoopbackServer) -> None:
    route_page(server, reply("revisions_repoll.json"), rvstartid="1255002000")
    cursor = {"pages": {TITLE: {"pageid": PAGEID, "revid": 1255002000}}, "search": {}}
    result = poll(config_for(server), cursor)
    assert result.items == []
    assert result.cursor == cursor
    assert [sent["action"] for sent in queries(server)] == ["query"]  # no diffs asked for


def test_a_baseline_then_a_new_revision_is_stored_with_its_added_text(
    server: LoopbackServer,
) -> None:
    route_page(server, reply("revisions_baseline.json"))
    first = poll(config_for(server))
    route_newer(server)
    second = poll(config_for(server), first.cursor)
    assert by_id(second.items)["1255002000"].text == MARKUP_TEXT
    assert not set(by_id(first.items)) & set(by_id(second.items))


def test_a_missing_page_is_a_clear_source_error(server: LoopbackServer) -> None:
    server.route(API, reply("revisions_missing.json"))
    config = config_for(server, pages=["St Nowhere Primary School"])
    with pytest.raises(PageNotFoundError, match='"St Nowhere Primary School" does not exist'):
        poll(config)


def test_a_redirected_title_keeps_its_configured_name_in_the_cursor(
    server: LoopbackServer,
) -> None:
    server.route(API, reply("revisions_redirect.json"))
    result = poll(config_for(server, pages=["st_Example's_school"]))
    assert [item.title for item in result.items] == [TITLE]
    assert result.cursor["pages"] == {
        "st_Example's_school": {"pageid": PAGEID, "revid": 1254000777}
    }


def test_maxlag_is_waited_out_then_the_poll_succeeds(server: LoopbackServer) -> None:
    lagged = reply("error_maxlag.json", headers={"Retry-After": "0", "X-Database-Lag": "7"})
    route_page(server, lagged, reply("revisions_baseline.json"))
    result = poll(config_for(server))
    assert len(result.items) == 3
    assert len(server.requests) == 2
    assert result.requests == 2


def test_lasting_maxlag_asks_to_be_polled_later(server: LoopbackServer) -> None:
    server.route(API, reply("error_maxlag.json", headers={"Retry-After": "0"}))
    before = datetime.now(UTC)
    with pytest.raises(SourceRateLimitedError, match="lagging") as raised:
        poll(config_for(server, maxlag_retries=1))
    assert raised.value.retry_at is not None and raised.value.retry_at > before
    assert len(server.requests) == 2


def test_an_api_error_is_one_readable_line(server: LoopbackServer) -> None:
    server.route(API, reply("error_badvalue.json"))
    with pytest.raises(WikipediaApiError) as raised:
        poll(config_for(server))
    assert raised.value.code == "badvalue"
    assert str(raised.value) == (
        'Wikipedia API error badvalue: Unrecognized value for parameter "prop": revisionz.'
        f" See the help. (wikipedia {TITLE})"
    )


def test_ratelimited_is_a_rate_limit(server: LoopbackServer) -> None:
    server.route(API, reply("error_ratelimited.json"))
    with pytest.raises(SourceRateLimitedError, match="ratelimited"):
        poll(config_for(server))


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


def test_a_vanished_saved_revision_starts_the_page_afresh(server: LoopbackServer) -> None:
    route_page(server, reply("error_badid_startid.json"), rvstartid="1254000777")
    route_page(server, reply("revisions_baseline.json"))
    result = poll(config_for(server), BASELINE_CURSOR)
    assert all(item.extra["baseline"] for item in result.items)
    assert result.cursor == BASELINE_CURSOR


def test_search_hits_are_new_once_and_leave_out_watched_pages(server: LoopbackServer) -> None:
    route_page(server, reply("revisions_baseline.json"))
    search = {"action": "query", "list": "search", "srsearch": QUERY}
    server.route(API, reply("search_1.json"), params=search)
    server.route(API, reply("search_2.json"), params={**search, "sroffset": "3"})
    config = config_for(server, search=[QUERY])
    first = poll(config)
    articles = [item for item in first.items if item.item_type == "article"]
    assert [item.title for item in articles] == [
        "Exampleton",
        "List of schools in Exampleshire",
        "Exampleton Parish Church",
    ]
    exampleton = articles[0]
    assert exampleton.external_id == "page:2718281"
    assert exampleton.text == (
        'The village is served by St Example\'s CE Primary, rated "Good" in 2024 & 2021'
    )
    assert exampleton.url == f"{server.url}/wiki/Exampleton"
    assert exampleton.extra["baseline"] is True and exampleton.extra["query"] == QUERY
    assert first.cursor["search"] == {QUERY: [1414213, 1732050, 2718281, PAGEID]}
    searches = [sent for sent in queries(server) if sent.get("list") == "search"]
    assert [sent.get("sroffset") for sent in searches] == [None, "3"]
    assert searches[1]["continue"] == "-||"

    server.route(API, reply("search_repoll.json"), params=search)
    route_page(server, reply("revisions_unchanged.json"), rvstartid="1254000777")
    second = poll(config, first.cursor)
    assert [(item.title, item.extra["baseline"]) for item in second.items] == [
        ("Exampleton Gazette", False)
    ]
    third = poll(config, second.cursor)
    assert third.items == []


def test_revert_risk_scores_each_new_revision(server: LoopbackServer) -> None:
    route_newer(server)
    server.route(
        RISK,
        reply("revertrisk_high.json"),
        reply("revertrisk_low.json"),
        Reply.fixture("wikipedia/revertrisk_creation_error.json", "application/json", status=400),
    )
    config = config_for(server, revert_risk_url=server.url + RISK)
    items = by_id(poll(config, BASELINE_CURSOR).items)
    scores = [
        (facts_of(item).revert_risk, item.extra["revert_risk_note"]) for item in items.values()
    ]
    assert scores == [(0.8123, "scored"), (0.0412, "scored"), (None, "no score: HTTP 400")]
    bodies = [json.loads(request.body) for request in server.requests_to(RISK)]
    assert bodies == [
        {"rev_id": 1255000001, "lang": "en"},
        {"rev_id": 1255001122, "lang": "en"},
        {"rev_id": 1255002000, "lang": "en"},
    ]


def test_a_missing_revert_risk_model_means_no_score_not_low_risk(server: LoopbackServer) -> None:
    route_newer(server)
    server.route(
        RISK, Reply.fixture("wikipedia/revertrisk_not_found.json", "application/json", status=404)
    )
    config = config_for(server, revert_risk_url=server.url + RISK)
    result = poll(config, BASELINE_CURSOR)
    assert {facts_of(item).revert_risk for item in result.items} == {None}
    assert {item.extra["revert_risk_note"] for item in result.items} == {
        "no score: model unavailable (HTTP 404)"
    }
    assert len(server.requests_to(RISK)) == 1  # not asked again in the same poll
    assert len(result.items) == 3


# End to end: `monitor scan` and `monitor mentions --format json`


def test_a_revision_without_its_revid_is_skipped_and_the_others_stored(
    server: LoopbackServer, tmp_path: Path
) -> None:
    route_page(server, reply("revisions_one_unreadable.json"))
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"wiki": {"type": "wikipedia", "pages": [TITLE], "api_url": server.url + API}},
    )
    scanned = monitor(path, "scan")
    assert scanned.exit_code == 0, scanned.output
    assert "1 unreadable item skipped" in scanned.stdout
    assert "Wikipedia API: revid is missing or not a number" in scanned.stdout
    assert stored_ids(path, "wiki") == {"1254000777", "1240000000"}
    status = statuses(path)["wiki"]
    assert (status["health"], status["skipped_items"]) == ("ok", 1)

    # The next poll's revisions all without revid: the API's shape changed, and it says so.
    route_page(server, reply("revisions_none_readable.json"), rvstartid="1254000777", rvdir="newer")
    assert monitor(path, "scan").exit_code == 1
    status = statuses(path)["wiki"]
    assert status["health"] == "parser_broken"
    assert "revid is missing or not a number" in status["last_error"]


def test_monitor_scan_stores_every_revision_once(server: LoopbackServer, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[school]
name = "St Example's CE Primary School"
[storage]
url = "sqlite:///{tmp_path / "monitor.db"}"
[http]
contact = "test@example.org"
[sources.wiki]
type = "wikipedia"
pages = ["{TITLE}"]
search = ["\\"St Example's CE Primary\\""]
api_url = "{server.url}{API}"
""",
        encoding="utf-8",
    )
    runner = CliRunner()

    def monitor(*arguments: str) -> str:
        result = runner.invoke(main, ["--config", str(config), *arguments])
        assert result.exit_code == 0, result.output
        return result.output

    route_page(server, reply("revisions_baseline.json"))
    search = {"action": "query", "list": "search"}
    server.route(API, reply("search_1.json"), params=search)
    server.route(API, reply("search_2.json"), params={**search, "sroffset": "3"})
    monitor("scan")
    route_newer(server)
    server.route(API, reply("search_repoll.json"), params=search)
    monitor("scan")
    route_page(server, reply("revisions_repoll.json"), rvstartid="1255002000")
    monitor("scan")

    mentions = json.loads(monitor("mentions", "--format", "json"))
    by_external_id = {mention["external_id"]: mention for mention in mentions}
    assert len(mentions) == len(by_external_id) == 10
    revisions = {
        key for key, mention in by_external_id.items() if mention["item_type"] == "revision"
    }
    assert revisions == {
        "1240000000",
        "1250000100",
        "1254000777",
        "1255000001",
        "1255001122",
        "1255002000",
    }
    vandalism = by_external_id["1255000001"]
    assert vandalism["text"].startswith("a liar and an idiot … was sacked\n")
    assert (vandalism["author"], vandalism["type"]) == ("~2026-48233-24", "wikipedia")
    assert vandalism["sentiment"] < 0
    assert by_external_id["1255002000"]["text"] == MARKUP_TEXT
    assert by_external_id["1250000100"]["author"] == HIDDEN_USER
    assert by_external_id["page:66260701"]["title"] == "Exampleton Gazette"
    # The facts the vandalism rule reads survive storage typed, not just parsing.
    store = Store.open(f"sqlite:///{tmp_path / 'monitor.db'}")
    with store.transaction() as tx:
        stored = {mention.external_id: mention for mention in list_mentions(tx)}
    store.close()
    extras = {key: mention.extra for key, mention in stored.items()}
    assert extras["1255000001"]["temp"] is True and extras["1255000001"]["anon"] is False
    assert extras["1250000100"]["userhidden"] is True
    vandal = stored["1255000001"].facts
    assert isinstance(vandal, RevisionFacts)
    assert (vandal.editor, vandal.offensive_words) == (
        EditorKind.TEMPORARY,
        ("idiot", "liar", "sucks"),
    )
    rollback = stored["1255001122"].facts
    assert isinstance(rollback, RevisionFacts) and rollback.is_revert
    assert stored["page:66260701"].facts is None  # a search hit hands on no facts
    # And the rule fired from them in the scan: the edit was reverted, so it is info.
    alerts = json.loads(monitor("alerts", "--status", "all", "--format", "json"))
    assert [(a["rule"], a["severity"]) for a in alerts if a["rule"] == "wikipedia_vandalism"] == [
        ("wikipedia_vandalism", "info")
    ]


# --- several watched pages (a trust's schools): one request finds those that changed ---------

JUNIOR = "Calcot_Junior_School"  # as configured; the wiki normalises it to "Calcot Junior School"


def test_several_pages_are_checked_in_one_request_and_only_changed_ones_read(
    server: LoopbackServer,
) -> None:
    config = config_for(server, pages=[TITLE, JUNIOR])
    route_page(server, reply("revisions_baseline.json"), rvlimit="50")
    server.route(
        API,
        reply("revisions_baseline_junior.json"),
        params={"action": "query", "prop": "revisions", "titles": JUNIOR, "rvlimit": "50"},
    )
    first = poll(config)
    assert len(queries(server)) == 2  # a baseline read of each page
    assert first.cursor["pages"][JUNIOR] == {"pageid": 41234567, "revid": 1254100000}

    both = {"action": "query", "prop": "revisions", "titles": f"{TITLE}|{JUNIOR}", "rvprop": "ids"}
    server.route(API, reply("revisions_latest_unchanged.json"), params=both)
    quiet = poll(config, first.cursor)
    assert quiet.items == [] and quiet.cursor == first.cursor
    assert queries(server)[2:] == [{**both, "format": "json", "formatversion": "2",
                                    "redirects": "1", "maxlag": "5"}]  # fmt: skip

    server.route(API, reply("revisions_latest_one_changed.json"), params=both)
    route_newer(server)
    changed = poll(config, first.cursor)
    asked = queries(server)[3:]
    assert asked[0]["titles"] == f"{TITLE}|{JUNIOR}"
    assert all(query.get("titles") != JUNIOR for query in asked)  # the unchanged page: not read
    assert [query["rvstartid"] for query in asked if "rvstartid" in query] == ["1254000777"] * 2
    assert {item.extra["revid"] for item in changed.items} >= {1255000001, 1255002000}
    assert changed.cursor["pages"][JUNIOR] == first.cursor["pages"][JUNIOR]
    assert changed.cursor["pages"][TITLE]["revid"] == 1255002000
