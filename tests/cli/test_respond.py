"""Responding where it happened: `monitor alerts reply|unreply|hide|unhide` against doubles.

The doubles (tests/sources/write_doubles.py) keep each service's state and answer in its shapes;
the sources are scanned first, as in production, so each mention is what the poll stored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from click.testing import Result

from monitor.judgement import advice
from monitor.model import Visibility
from tests.commands import monitor
from tests.loopback import LoopbackServer, Reply
from tests.responding import JANE, Setup, scanned, stored
from tests.sources.facebook_page import support as facebook
from tests.sources.google_business import support as google
from tests.sources.write_doubles import PERMISSION_200, fixture_reply

THANKS = "Thank you for telling us. Please contact the school office so we can help."
SECRETS = (*google.SECRETS, facebook.TOKEN)


@pytest.fixture
def setup(server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    return scanned(server, tmp_path, monkeypatch)


def incidents(setup: Setup) -> list[dict[str, Any]]:
    result = monitor(setup.path, "incidents", "--format", "json")
    assert result.exit_code == 0, result.output
    return [entry for entry in json.loads(result.stdout) if entry["action"] != "acknowledged"]


def no_secret_in(result: Result) -> None:
    for secret in SECRETS:
        assert secret not in result.output


def refused(result: Result, *words: str) -> str:
    """The one stderr line of a refused action (exit 1), checked for `words` and no secret."""
    assert result.exit_code == 1, result.output
    [line] = result.stderr.splitlines()
    assert "refused, nothing recorded" in line
    for word in words:
        assert word in line
    no_secret_in(result)
    return line


def form_of(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode()))


def test_reply_to_a_google_review_then_remove_it(setup: Setup, server: LoopbackServer) -> None:
    before = stored(setup, "google", JANE)
    assert before.extra["has_reply"] is False
    result = monitor(setup.path, "alerts", "reply", str(setup.alert[JANE]), THANKS, "--as", "Head")
    assert result.exit_code == 0, result.output
    assert "recorded replied_publicly by Head" in result.stdout
    [put] = setup.business.writes()
    assert (put.method, put.path) == ("PUT", f"{google.REVIEWS}/{JANE}/reply")
    assert json.loads(put.body) == {"comment": THANKS}
    assert put.headers["Authorization"] == f"Bearer {google.ACCESS_TOKEN}"
    [entry] = incidents(setup)
    assert (entry["action"], entry["note"], entry["actor"]) == ("replied_publicly", THANKS, "Head")
    assert entry["alert_id"] == setup.alert[JANE]
    # The reply state, at once and as the poll stores it: the reply Google answered with.
    after = stored(setup, "google", JANE)
    assert after.extra["has_reply"] is True and after.extra["reply"]["comment"] == THANKS
    replied = setup.business.reviews[JANE]["reviewReply"]
    assert after.extra["reply"]["update_time"].startswith(replied["updateTime"][:19])
    assert after.text == before.text and after.version == before.version

    removed = monitor(setup.path, "alerts", "unreply", str(setup.alert[JANE]), "--as", "Head")
    assert removed.exit_code == 0, removed.output
    [_, delete] = setup.business.writes()
    assert (delete.method, delete.path) == ("DELETE", f"{google.REVIEWS}/{JANE}/reply")
    assert "reviewReply" not in setup.business.reviews[JANE]
    assert stored(setup, "google", JANE).extra["has_reply"] is False
    assert incidents(setup)[-1]["note"] == f"removed the public reply: {THANKS}"
    no_secret_in(result)


@pytest.mark.parametrize(
    ("breakage", "words"),
    [
        ("deleted", ("no longer on Google", "nothing was done")),
        ("scope", ("OAuth scope",)),
        ("token", ("freshly issued access token was refused", "authorise again")),
    ],
)
def test_a_google_refusal_records_nothing(setup: Setup, breakage: str, words: tuple[str]) -> None:
    if breakage == "deleted":
        setup.business.delete(JANE)  # the author deleted the review meanwhile
    elif breakage == "scope":
        setup.business.refusal = fixture_reply("google", "error_403_scope.json", 403)
    else:
        setup.business.token = "ya29.revoked-elsewhere"  # every token it issued is refused now
    before = stored(setup, "google", JANE)
    result = monitor(setup.path, "alerts", "reply", str(setup.alert[JANE]), THANKS)
    refused(result, *words)
    assert THANKS not in result.output  # the person's words are not repeated in the error
    assert incidents(setup) == []
    assert stored(setup, "google", JANE).extra == before.extra


def test_a_write_without_an_answer_is_looked_for_before_it_is_sent_again(setup: Setup) -> None:
    setup.business.unanswered = 1  # the first PUT gets a 503 and does nothing
    result = monitor(setup.path, "alerts", "reply", str(setup.alert[JANE]), THANKS)
    assert result.exit_code == 0, result.output
    methods = [(r.method, r.path.rsplit("/", 1)[-1]) for r in setup.business.server.requests]
    assert methods[-3:] == [("PUT", "reply"), ("GET", JANE), ("PUT", "reply")]
    assert setup.business.reviews[JANE]["reviewReply"]["comment"] == THANKS
    assert [entry["action"] for entry in incidents(setup)] == ["replied_publicly"]


def slow_client(setup: Setup) -> None:
    """A one-second deadline, so a stalled answer (three seconds) is a timeout."""
    text = setup.path.read_text(encoding="utf-8").replace('timeout = "5s"', 'timeout = "1s"')
    setup.path.write_text(text, encoding="utf-8")


def test_a_reply_whose_answer_times_out_is_found_done_and_never_posted_twice(
    setup: Setup,
) -> None:
    slow_client(setup)
    setup.graph.stall = 1  # Facebook posts the comment but the answer comes too late
    result = monitor(setup.path, "alerts", "reply", str(setup.alert[facebook.SAM]), THANKS)
    assert result.exit_code == 0, result.output
    [post] = setup.graph.writes()  # one POST: the comment was found before any resend
    assert post.path == f"/{facebook.VERSION}/{facebook.SAM}/comments"
    ours = [c for c in setup.graph.posts[facebook.CLOSURE] if c["message"] == THANKS]
    assert len(ours) == 1
    [entry] = incidents(setup)
    assert (entry["action"], entry["note"]) == ("replied_publicly", THANKS)


def test_a_write_that_stays_unanswered_records_nothing(setup: Setup) -> None:
    slow_client(setup)
    setup.graph.refusal = Reply(status=503, body=b"Service Unavailable")
    result = monitor(setup.path, "alerts", "hide", str(setup.alert[facebook.SAM]))
    assert result.exit_code == 1, result.output
    assert "not known to be done, nothing recorded" in result.stderr
    assert "look at the service before trying again" in result.stderr
    assert len(setup.graph.writes()) == 2  # sent, looked for, sent once more: no more
    assert incidents(setup) == []
    assert stored(setup, "facebook", facebook.SAM).visibility == Visibility.VISIBLE


def test_reply_on_facebook_posts_a_page_comment_stored_as_the_poll_would(setup: Setup) -> None:
    # Alex's comment is a reply to Sam's: Facebook threads two deep, so ours goes under Sam's.
    result = monitor(setup.path, "alerts", "reply", str(setup.alert[facebook.ALEX]), THANKS)
    assert result.exit_code == 0, result.output
    [post] = setup.graph.writes()
    assert post.path == f"/{facebook.VERSION}/{facebook.SAM}/comments"
    form = form_of(post.body)
    assert form["message"] == THANKS and form["access_token"] == facebook.TOKEN
    assert "access_token" not in post.query  # the token travels in the body of a write
    [ours] = [c for c in setup.graph.posts[facebook.CLOSURE] if c["message"] == THANKS]
    mine = stored(setup, "facebook", ours["id"])
    assert mine.parent_external_id == facebook.SAM and mine.extra["by_page"] is True
    [entry] = incidents(setup)
    assert entry["action"] == "replied_publicly" and entry["alert_id"] == setup.alert[facebook.ALEX]
    # The next poll finds the same comment: stored once, unchanged, never alerted.
    scanned = monitor(setup.path, "scan", "--source", "facebook")
    assert scanned.exit_code == 0, scanned.output
    assert stored(setup, "facebook", ours["id"]).version == 1
    listed = json.loads(monitor(setup.path, "alerts", "--format", "json").stdout)
    assert len(listed) == 4


def test_hide_and_unhide_a_facebook_comment(setup: Setup) -> None:
    alert_id = str(setup.alert[facebook.SAM])
    result = monitor(setup.path, "alerts", "hide", alert_id, "--as", "Deputy")
    assert result.exit_code == 0, result.output
    [post] = setup.graph.writes()
    assert post.path == f"/{facebook.VERSION}/{facebook.SAM}"
    assert form_of(post.body)["is_hidden"] == "true"
    assert stored(setup, "facebook", facebook.SAM).visibility == Visibility.HIDDEN
    assert [(e["action"], e["actor"]) for e in incidents(setup)] == [("hidden", "Deputy")]
    # The next poll sees it hidden too: the same state, so no edit.
    assert monitor(setup.path, "scan", "--source", "facebook").exit_code == 0
    assert stored(setup, "facebook", facebook.SAM).version == 1

    shown = monitor(setup.path, "alerts", "unhide", alert_id)
    assert shown.exit_code == 0, shown.output
    assert form_of(setup.graph.writes()[-1].body)["is_hidden"] == "false"
    assert stored(setup, "facebook", facebook.SAM).visibility == Visibility.VISIBLE
    assert [e["action"] for e in incidents(setup)] == ["hidden", "unhidden"]


@pytest.mark.parametrize(
    ("breakage", "words"),
    [
        ("permission", ("pages_manage_engagement",)),
        ("deleted", ("no longer on Facebook", "nothing was done")),
        ("token", ("no longer works", "has expired")),
    ],
)
def test_a_facebook_refusal_records_nothing(setup: Setup, breakage: str, words: tuple[str]) -> None:
    if breakage == "permission":
        setup.graph.refusal = PERMISSION_200
    elif breakage == "deleted":
        setup.graph.delete(facebook.SAM)
    else:
        setup.graph.token = "EAAGsomeOtherToken"  # the configured one has expired
    for action, *text in (("hide",), ("reply", THANKS)):
        result = monitor(setup.path, "alerts", action, str(setup.alert[facebook.SAM]), *text)
        refused(result, *words)
    assert incidents(setup) == []
    assert stored(setup, "facebook", facebook.SAM).visibility == Visibility.VISIBLE


def test_what_a_source_does_not_take_exits_2_saying_what_to_do_instead(setup: Setup) -> None:
    cases = [
        (("reply", str(setup.alert["news"]), THANKS), "contact its publisher"),
        (("hide", str(setup.alert[JANE])), "cannot be hidden by the listing's owner"),
        (("unreply", str(setup.alert[facebook.SAM])), "deleted on Facebook itself"),
        (("unreply", str(setup.alert[JANE])), "no reply from the school as of the last scan"),
        (("unhide", str(setup.alert["news"])), "cannot be hidden from the monitor"),
        (("reply", str(setup.alert[JANE]), " "), "the reply's words are empty"),
        (("reply", str(setup.alert[JANE]), "x" * 4097), "4097 bytes"),
        (("reply", "999", THANKS), "no alert with id 999"),
    ]
    for arguments, words in cases:
        result = monitor(setup.path, "alerts", *arguments)
        assert result.exit_code == 2, (arguments, result.output)
        assert words in result.stderr, (arguments, result.stderr)
    assert setup.business.writes() == [] and setup.graph.writes() == []
    assert incidents(setup) == []


def test_show_offers_what_the_source_allows_and_a_draft_reply(setup: Setup) -> None:
    review = monitor(setup.path, "alerts", "show", str(setup.alert[JANE])).stdout
    assert f"monitor alerts reply {setup.alert[JANE]} TEXT" in review
    assert f"monitor alerts unreply {setup.alert[JANE]}" in review
    assert "hide" not in review.split("respond:")[1].split("history:")[0]
    draft = advice.draft_reply("low_rating", "Calcot Schools")
    assert f"draft reply (edit before sending): {draft}" in review
    comment = monitor(setup.path, "alerts", "show", str(setup.alert[facebook.SAM])).stdout
    assert f"monitor alerts hide {setup.alert[facebook.SAM]}" in comment
    assert "draft reply" not in comment  # abusive: the policy suggests no public reply
    news = monitor(setup.path, "alerts", "show", str(setup.alert["news"])).stdout
    assert "respond: a feed entry is someone else's page" in news


def test_draft_replies_thank_invite_contact_and_never_discuss_individuals() -> None:
    for rule in ("low_rating", "negative", "new_thread", "praise"):
        draft = advice.draft_reply(rule, "Calcot Schools")
        assert draft is not None and draft.startswith("Thank you") and "school office" in draft
        assert draft.endswith("From everyone at Calcot Schools.")
    assert "never discuss individual" in (advice.draft_reply("negative", "X") or "")
    for rule in ("safeguarding", "extremism", "abusive", "staff_named", "unknown"):
        assert advice.draft_reply(rule, "Calcot Schools") is None


def test_check_online_says_whether_each_token_can_write(setup: Setup) -> None:
    path_text = setup.path.read_text(encoding="utf-8")
    # Only the sources that can reply: the feed source would fail its poll.
    setup.path.write_text(
        path_text.replace("[sources.news]\n", "[sources.news]\nenabled = false\n")
    )
    result = monitor(setup.path, "check", "--online")
    assert result.exit_code == 0, result.output
    assert (
        "source google: can reply or hide: the token has the business.manage scope" in result.stdout
    )
    assert (
        "source facebook: can reply or hide: the token has pages_manage_engagement" in result.stdout
    )
    setup.graph.scopes = ("pages_show_list", "pages_read_engagement", "pages_read_user_content")
    result = monitor(setup.path, "check", "--online")
    assert result.exit_code == 0, result.output  # read-only stays valid: a warning only
    assert (
        "warning: source facebook cannot reply or hide: the token lacks pages_manage_engagement"
        in result.stdout
    )
    no_secret_in(result)


def test_the_incident_log_and_mention_state_hold_no_secret(setup: Setup) -> None:
    assert monitor(setup.path, "alerts", "reply", str(setup.alert[JANE]), THANKS).exit_code == 0
    assert monitor(setup.path, "alerts", "hide", str(setup.alert[facebook.SAM])).exit_code == 0
    database = (setup.path.parent / "monitor.db").read_bytes()
    for secret in SECRETS:
        assert secret.encode() not in database
