"""End to end: scans of a news feed and a watched Wikipedia page raise the alerts a head expects.

Real parts: a loopback HTTP server serving an Atom feed and the Wikipedia Action API fixtures,
a real database (SQLite file; PostgreSQL too when configured), the `monitor` command.
Scan 1 is the baseline (nothing raised); scan 2 brings new entries and revisions; scan 3 brings
nothing new and raises nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from monitor.cli import main
from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply
from tests.sources.common.token_endpoint import route_token
from tests.sources.facebook_page import support as facebook
from tests.sources.google_business import support as google
from tests.sources.wikipedia import support as wikipedia

API = "/w/api.php"
TITLE = "St Example's CE Primary School"
ATOM = "application/atom+xml"


def entry(entry_id: str, title: str, summary: str = "", link: str = "") -> str:
    """One Atom entry, updated long enough ago to be no volume spike."""
    return (
        f"<entry><id>urn:calcot:{entry_id}</id><title>{title}</title>"
        f'<link href="https://news.example.org/{link or entry_id}"/><summary>{summary}</summary>'
        "<updated>2026-11-20T10:00:00Z</updated></entry>"
    )


def feed(*entries: str) -> Reply:
    body = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>news</title>'
        f"<id>urn:calcot</id><updated>2026-11-20T00:00:00Z</updated>{''.join(entries)}</feed>"
    )
    return Reply(body=body.encode(), headers={"Content-Type": ATOM})


PROTEST = ("Angry parents protest outside Calcot Junior School", "Parents are furious.")
OLD = [
    entry("old1", "Calcot Junior School choir sings at the Hexagon"),
    entry("old2", *PROTEST),
]
# The site moved the old story: an edit of a baseline entry whose words are the same.
MOVED = entry("old2", *PROTEST, link="2026/11/old2")
NEW = [
    entry(
        "praise", "Calcot Infant School nativity",
        "Staff went the extra mile and the children were brilliant. Can't fault them.",
    ),
    entry(
        "shambles", "Calcot pick-up",
        "Parents say pick-up at Calcot is a total shambles and the school has done nothing.",
    ),
    entry("dates", "Calcot Infant School term dates for 2027 published"),
    entry(
        "police", "Police investigate abuse allegation at Calcot Junior School",
        "A spokesperson said the school is cooperating.",
    ),
    entry("staff", "Calcot parent complains", "Mr Smith shouted at my son and humiliated him."),
]  # fmt: skip


def wiki(name: str) -> Reply:
    return Reply.fixture(f"wikipedia/{name}", "application/json; charset=utf-8")


def route_wiki(server: LoopbackServer, revisions: str, **params: str) -> None:
    wanted = {"action": "query", "prop": "revisions", "titles": TITLE, **params}
    server.route(API, wiki(revisions), params=wanted)


def scan_and_list(config: Path) -> list[dict[str, Any]]:
    scanned = run(config, "scan")
    assert scanned.exit_code == 0, scanned.output
    listed: list[dict[str, Any]] = json.loads(
        run(config, "alerts", "--status", "all", "--format", "json").output
    )
    return listed


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def test_mixed_sources_raise_what_a_head_expects_once(
    server: LoopbackServer, tmp_path: Path, database_url: str
) -> None:
    server.route("/news.xml", feed(*OLD))
    route_wiki(server, "revisions_baseline.json")
    config = write_config(
        tmp_path,
        storage_url=database_url,
        sources={
            "news": {"type": "feed", "url": f"{server.url}/news.xml"},
            "wiki": {"type": "wikipedia", "pages": [TITLE], "api_url": f"{server.url}{API}"},
        },
    )
    # 1. Baseline: the angry protest is history, stored and never alerted.
    assert scan_and_list(config) == []

    # 2. New entries and revisions.
    server.route("/news.xml", feed(OLD[0], MOVED, *NEW))
    newer = {"rvstartid": "1254000777", "rvdir": "newer"}
    route_wiki(server, "revisions_newer_1.json", **newer)
    route_wiki(server, "revisions_newer_2.json", **newer, rvcontinue="20261102211420|1255001122")
    for torev, name in [
        ("1255000001", "compare_vandalism.json"),
        ("1255001122", "compare_rollback.json"),
        ("1255002000", "compare_markup.json"),
    ]:
        server.route(API, wiki(name), params={"action": "compare", "torev": torev})
    raised = scan_and_list(config)
    assert sorted((alert["rule"], alert["severity"]) for alert in raised) == sorted(
        [
            ("praise", "info"),  # the nativity: to acknowledge
            ("negative", "normal"),  # pick-up shambles
            ("safeguarding", "urgent"),  # police and abuse
            # Mr Smith shouted (news): named by title but not in [school] staff, so high
            ("staff_named", "high"),
            ("wikipedia_vandalism", "info"),  # the temporary account's insults, reverted
            ("staff_named", "urgent"),  # the head named beside "Requires Improvement" (wiki)
        ]
    )
    assert len(raised) == 6  # the term dates, the rollback and the old entries raise nothing
    summaries = {alert["summary"] for alert in raised}
    assert any(
        s.startswith("to acknowledge: praise") and "went the extra mile" in s for s in summaries
    )
    assert any(s.startswith("negative (P(negative) ") and "'shambles'" in s for s in summaries)
    assert any(s.startswith("safeguarding words: 'abuse'") for s in summaries)
    assert any(
        s.startswith("names someone by title (Mr Smith), not in [school]") for s in summaries
    )
    assert any(s.startswith("names a member of staff (Mrs Hazel Example)") for s in summaries)
    vandalism = next(a for a in raised if a["rule"] == "wikipedia_vandalism")
    assert vandalism["summary"] == (
        "possible vandalism by a temporary account: added offensive words 'idiot', 'liar', "
        "'sucks' (already reverted)"
    )
    assert all(alert["status"] == "open" for alert in raised)

    # 3. Nothing new: nothing raised, and a dismissed alert stays dismissed.
    run(config, "alerts", "dismiss", str(vandalism["id"]), "--note", "ClueBot reverted it")
    route_wiki(server, "revisions_repoll.json", rvstartid="1255002000")
    again = scan_and_list(config)
    assert len(again) == 6
    assert {a["id"]: a["status"] for a in again}[vandalism["id"]] == "dismissed"

    # 4. A rescore with the same lexicon scores and judges as the scan did (both go through
    # Ingest.score): nothing changes and nothing is raised, not even for the moved protest
    # story, which is still history.
    rescored = run(config, "rescore")
    assert rescored.exit_code == 0, rescored.output
    assert rescored.output == (
        "rescored 13 mentions (0 changed); rules re-applied to 13 from the last 7 days: "
        "0 new alerts\n"
    )


ASSAULT = (
    "Calcot parent complains",
    "Mrs Example grabbed my son by the arm and left bruises. It was assault.",
)


def test_one_entry_matching_two_rules_raises_both_once_however_often_it_is_scanned(
    server: LoopbackServer, tmp_path: Path, database_url: str
) -> None:
    server.route("/news.xml", feed(*OLD))
    config = write_config(
        tmp_path,
        storage_url=database_url,
        sources={"news": {"type": "feed", "url": f"{server.url}/news.xml"}},
    )
    assert scan_and_list(config) == []  # the baseline

    server.route("/news.xml", feed(*OLD, entry("assault", *ASSAULT)))
    raised = scan_and_list(config)
    listed = json.loads(run(config, "mentions", "--format", "json").output)
    mention = next(m for m in listed if m["external_id"] == "urn:calcot:assault")
    assert sorted((a["rule"], a["severity"], a["mention_id"]) for a in raised) == [
        ("safeguarding", "urgent", mention["id"]),
        ("staff_named", "urgent", mention["id"]),
    ]  # and `negative` stood down for them

    assert scan_and_list(config) == raised  # the same entry again: nothing new
    # An edit that still matches both rules: each (rule, mention) pair has been raised already.
    edited = (ASSAULT[0], ASSAULT[1] + " Mrs Example has not apologised.")
    server.route("/news.xml", feed(*OLD, entry("assault", *edited)))
    assert scan_and_list(config) == raised
    listed = json.loads(run(config, "mentions", "--format", "json").output)
    assert next(m for m in listed if m["id"] == mention["id"])["text"].endswith("apologised.")


def test_an_undo_and_a_manual_revert_raise_nothing(
    server: LoopbackServer, tmp_path: Path, database_url: str
) -> None:
    """The undo quotes the insult it removes; the manual revert, by a temporary account,
    removes 1,066 bytes of spam: both are the cure, so only the undone insult is reported."""
    route_wiki(server, "revisions_repoll.json")
    config = write_config(
        tmp_path,
        storage_url=database_url,
        sources={"wiki": {"type": "wikipedia", "pages": [TITLE], "api_url": f"{server.url}{API}"}},
    )
    assert scan_and_list(config) == []  # the baseline: the page as it stands

    wikipedia.route_reverts(server)
    raised = scan_and_list(config)
    assert [(alert["rule"], alert["severity"], alert["summary"]) for alert in raised] == [
        (
            "wikipedia_vandalism",
            "info",
            "possible vandalism by a temporary account: added offensive words 'idiot'"
            " (already reverted)",
        )
    ]


def test_facebook_page_posts_are_never_alerted_and_an_edit_raises_only_what_is_new(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(facebook.TOKEN_ENV, facebook.TOKEN)
    server.route(facebook.edge(f"{facebook.PAGE_ID}/feed"), facebook.reply("feed_empty.json"))
    config = facebook.write_facebook_config(tmp_path, server)
    assert scan_and_list(config) == []  # the baseline: an empty page

    facebook.route_page(server)  # the Page's closure notice, a visitor's post, comments
    raised = scan_and_list(config)
    listed = json.loads(run(config, "mentions", "--format", "json").output)
    external = {mention["id"]: mention["external_id"] for mention in listed}
    alerted = {external[alert["mention_id"]]: alert for alert in raised}
    # The Page's own posts and reply ("CLOSED … sorry", "wonderful harvest") raise nothing.
    assert {key: alert["rule"] for key, alert in alerted.items()} == {
        facebook.SAM: "negative",  # "Disgraceful, some of us have jobs."
        facebook.VISITOR: "negative",  # "… Nobody answers the phone." (issue #18)
        facebook.ALEX: "negative",  # "Agree, very poor." (the tone model: a complaint seconded)
        facebook.HARVEST_COMMENT: "praise",  # "Lovely to see, well done everyone!"
    }
    assert "'disgraceful'" in alerted[facebook.SAM]["summary"]

    # Sam edits the comment: still negative (raised already), nothing else new.
    server.route(
        facebook.edge(f"{facebook.CLOSURE}/comments"), facebook.reply("comments_edited.json")
    )
    assert len(scan_and_list(config)) == len(raised) == 4


def test_google_reviews_an_edit_alerts_a_reply_does_not(
    server: LoopbackServer, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GBP_CLIENT_SECRET", google.CLIENT_SECRET)
    monkeypatch.setenv("GBP_REFRESH_TOKEN", google.REFRESH_TOKEN)
    route_token(server, google.google("token_ok"))
    server.route(google.REVIEWS, google.google("business_reviews_page1"))
    server.route(google.REVIEWS, google.google("business_reviews_page2"), params=google.PAGE_TWO)
    config = write_config(
        tmp_path, storage_url=database_url, sources={"google": google.keys(server)}
    )
    assert scan_and_list(config) == []  # five reviews: the baseline

    # Jane edits her 2-star review down to 1 star; the school replies to a 4-star rating.
    server.route(google.REVIEWS, google.google("business_reviews_edited"))
    raised = scan_and_list(config)
    assert [(alert["rule"], alert["severity"]) for alert in raised] == [("low_rating", "high")]
    assert raised[0]["summary"] == (
        "1-star review: 'Still no reply from the office after three weeks. Very disappointed.'"
    )
    listed = json.loads(run(config, "mentions", "--format", "json").output)
    jane = next(m for m in listed if m["external_id"] == "AbFvOqk-new-two-star")
    assert raised[0]["mention_id"] == jane["id"]
    assert "negative" in jane["labels"]  # "still no reply", "disappointed": said by low_rating
    assert scan_and_list(config) == raised  # the same again: nothing new

    # The school updates its reply to Mark's 1-star review from June (history, never alerted).
    # Google bumps the review's updateTime, so it comes back as an edit: its words and stars are
    # as stored, so nothing is raised (re-evaluating it would raise low_rating for June).
    server.route(google.REVIEWS, google.google("business_reviews_reply_to_old"))
    assert scan_and_list(config) == raised
    listed = json.loads(run(config, "mentions", "--format", "json").output)
    mark = next(m for m in listed if m["external_id"] == "AbFvOq0-oldest-one")
    assert "low_rating" in mark["labels"] and "negative" in mark["labels"]
