"""Responding from the alert page over real HTTP: httpx → uvicorn on 127.0.0.1, a SQLite file,
sign-in by a real SMTP server, and the Business Profile and Graph write doubles on loopback
(tests/sources/write_doubles.py), after a real scan of both (tests/responding.py).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from monitor.config.settings import load
from monitor.judgement import advice
from monitor.model import AlertDraft, Role, Severity, Visibility
from monitor.web.render import SAFEGUARDING_RESPONSE
from storage import alerts as stored_alerts
from storage.alerts import NewAlert
from storage.database import Store
from tests.loopback import LoopbackServer
from tests.mail.conftest import email_table
from tests.mail.smtpd import SmtpServer, free_port
from tests.responding import JANE, Setup, scanned, stored
from tests.sources.facebook_page import support as facebook
from tests.sources.google_business import support as google
from tests.sources.write_doubles import PERMISSION_200, fixture_reply
from tests.web.served import add_user, served, sign_in

SLT, DSL = "head@calcot.example", "dsl@calcot.example"
# Typed in the browser: two lines (sent as CRLF), an ampersand and markup that must stay text.
TYPED = "Thank you, Jane & family.\r\nPlease call the office <b>today</b>."
POSTED = "Thank you, Jane & family.\nPlease call the office <b>today</b>."


@dataclass
class Site:
    """The page served over a scanned set-up with both write doubles."""

    setup: Setup
    url: str
    store: Store
    smtp: SmtpServer
    clients: list[httpx.Client] = field(default_factory=list)

    def signed_in(self, email: str = SLT) -> tuple[httpx.Client, str]:
        """A client signed in as `email` by the mailed link, and its CSRF token."""
        client = httpx.Client(base_url=self.url, follow_redirects=False, timeout=20)
        self.clients.append(client)
        return client, sign_in(client, self.smtp, email)

    def events(self, alert_id: int) -> list[tuple[str, str, str | None]]:
        with self.store.transaction(read_only=True) as tx:
            found = stored_alerts.events(tx, alert_id)
        return [(e.actor, str(e.action), e.note) for e in found if e.action != "acknowledged"]


@pytest.fixture
def site(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: SmtpServer
) -> Iterator[Site]:
    port = free_port()
    web = email_table(smtp.port) + f'[web]\nbase_url = "http://127.0.0.1:{port}"\n'
    setup = scanned(server, tmp_path, monkeypatch, extra=web)
    config = load(setup.path)
    with Store.open(setup.url) as store:
        add_user(store, SLT, Role.SLT, "Mrs Head")
        add_user(store, DSL, Role.DSL, "Mr Safe")
        with served(config, store, port) as url:
            found = Site(setup, url, store, smtp)
            try:
                yield found
            finally:
                for client in found.clients:
                    client.close()


def once_of(page: str) -> str:
    """The one-time token of a confirmation page's form."""
    token = re.search(r'name="once" value="([^"]+)"', page)
    assert token, page
    return token[1]


def problem_of(page: str) -> str:
    """The one line saying why nothing was done."""
    lines = re.findall(r'<p class="problem" role="alert" id="problem">(.*?)</p>', page)
    assert len(lines) == 1, page
    return html.unescape(lines[0])


def confirm(
    client: httpx.Client, token: str, alert_id: int, op: str, text: str | None = None
) -> httpx.Response:
    """The first step: POST the alert page's form; answers with the confirmation page."""
    data = {"csrf": token, "op": op} | ({"text": text} if text is not None else {})
    return client.post(f"/alerts/{alert_id}/respond", data=data)


def send_form(token: str, page: str, op: str, text: str | None = None) -> dict[str, str]:
    """The confirmation page's form as the browser sends it."""
    data = {"csrf": token, "op": op, "once": once_of(page)}
    return data | ({"text": html.unescape(text)} if text is not None else {})


def confirmed_text(page: str) -> str:
    """The words the confirmation page says will be posted."""
    found = re.search(r'<blockquote class="quote" id="confirm-text">(.*?)</blockquote>', page, re.S)
    assert found, page
    return html.unescape(found[1])


def test_reply_posts_exactly_the_confirmed_words_once_and_records_the_user(site: Site) -> None:
    alert_id = site.setup.alert[JANE]
    client, token = site.signed_in()
    shown = client.get(f"/alerts/{alert_id}").text
    draft = advice.draft_reply("low_rating", "Calcot Schools")
    assert draft and html.escape(draft, quote=False) in shown  # the policy's draft, to edit
    assert 'value="unreply"' in shown and 'value="hide"' not in shown  # Google hides nothing

    page = confirm(client, token, alert_id, "reply", TYPED)
    assert page.status_code == 200
    assert confirmed_text(page.text) == POSTED
    assert "google (google_business)" in page.text
    assert "As the owner&#39;s reply under the review on Google" in page.text
    assert "Communication from the office has been poor this term." in page.text
    assert stored(site.setup, "google", JANE).url is None  # the API gives reviews no link
    assert "None: the service gives no link to this review" in page.text
    assert f'<dd class="url">{JANE}</dd>' in page.text
    assert site.setup.business.writes() == []  # nothing sent before the click

    form = send_form(token, page.text, "reply", POSTED)
    edit = client.post(f"/alerts/{alert_id}/respond", data=form | {"step": "edit"})
    assert edit.status_code == 200  # back to the text box, the words kept, nothing sent
    assert f"autofocus>{html.escape(POSTED, quote=False)}</textarea>" in edit.text
    done = client.post(f"/alerts/{alert_id}/respond/send", data=form)
    assert done.status_code == 303
    assert done.headers["location"] == f"/alerts/{alert_id}?done=reply#history"
    [put] = site.setup.business.writes()
    assert (put.method, put.path) == ("PUT", f"{google.REVIEWS}/{JANE}/reply")
    assert json.loads(put.body) == {"comment": POSTED}
    assert site.events(alert_id) == [(SLT, "replied_publicly", POSTED)]
    assert stored(site.setup, "google", JANE).extra["reply"]["comment"] == POSTED

    again = client.post(f"/alerts/{alert_id}/respond/send", data=form)  # a second submit
    assert again.status_code == 409
    assert "used already: nothing more was sent" in problem_of(again.text)
    assert len(site.setup.business.writes()) == 1
    assert site.events(alert_id) == [(SLT, "replied_publicly", POSTED)]
    after = client.get(done.headers["location"]).text
    assert "Your reply was posted and recorded in the history." in after
    assert f"<strong>Replied publicly</strong> by {SLT}" in after


def test_two_posts_of_one_confirmation_at_once_post_one_comment(site: Site) -> None:
    alert_id = site.setup.alert[facebook.SAM]
    client, token = site.signed_in()
    page = confirm(client, token, alert_id, "reply", TYPED)
    link = stored(site.setup, "facebook", facebook.SAM).url
    assert link and f'href="{html.escape(link)}"' in page.text  # the comment's link
    form = send_form(token, page.text, "reply", POSTED)
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(lambda _: client.post(f"/alerts/{alert_id}/respond/send", data=form), (1, 2))
        )
    assert sorted(answer.status_code for answer in answers) == [303, 409]
    [post] = site.setup.graph.writes()
    assert post.path == f"/{facebook.VERSION}/{facebook.SAM}/comments"
    ours = [c for c in site.setup.graph.posts[facebook.CLOSURE] if c["message"] == POSTED]
    assert len(ours) == 1
    assert site.events(alert_id) == [(SLT, "replied_publicly", POSTED)]


def test_hide_asks_first_then_hides_the_comment(site: Site) -> None:
    alert_id = site.setup.alert[facebook.SAM]
    client, token = site.signed_in()
    shown = client.get(f"/alerts/{alert_id}").text
    assert 'value="hide"' in shown and 'value="unhide"' not in shown
    # Abusive: the policy suggests no public reply, so the box is folded away and empty.
    assert '<details class="reply-anyway">' in shown and "></textarea>" in shown
    page = confirm(client, token, alert_id, "hide")
    assert page.status_code == 200 and "Hide this comment?" in page.text
    assert site.setup.graph.writes() == []
    done = client.post(f"/alerts/{alert_id}/respond/send", data=send_form(token, page.text, "hide"))
    assert done.status_code == 303
    [post] = site.setup.graph.writes()
    assert post.path == f"/{facebook.VERSION}/{facebook.SAM}"
    assert "is_hidden=true" in post.body.decode()
    assert stored(site.setup, "facebook", facebook.SAM).visibility == Visibility.HIDDEN
    assert site.events(alert_id) == [(SLT, "hidden", None)]
    assert 'value="unhide"' in client.get(f"/alerts/{alert_id}").text


@pytest.mark.parametrize(
    ("source", "op", "words"),
    [
        ("facebook", "hide", "pages_manage_engagement"),
        ("google", "reply", "OAuth scope"),
    ],
)
def test_a_refusal_is_one_line_and_records_nothing(
    site: Site, source: str, op: str, words: str
) -> None:
    if source == "facebook":
        site.setup.graph.refusal = PERMISSION_200
        alert_id = site.setup.alert[facebook.SAM]
    else:
        site.setup.business.refusal = fixture_reply("google", "error_403_scope.json", 403)
        alert_id = site.setup.alert[JANE]
    client, token = site.signed_in()
    text = POSTED if op == "reply" else None
    page = confirm(client, token, alert_id, op, text)
    answer = client.post(
        f"/alerts/{alert_id}/respond/send", data=send_form(token, page.text, op, text)
    )
    assert answer.status_code == 502
    line = problem_of(answer.text)
    assert f"{source} refused; nothing was done or recorded" in line and words in line
    assert "\n" not in line
    if text is not None:  # the words are kept to try again
        assert html.escape(POSTED, quote=False) in answer.text.split('id="reply-text"')[1]
    assert site.events(alert_id) == []
    mention = stored(site.setup, source, facebook.SAM if source == "facebook" else JANE)
    assert mention.visibility == Visibility.VISIBLE
    assert not mention.extra.get("has_reply")


def test_a_post_from_another_site_or_without_the_token_sends_nothing(site: Site) -> None:
    alert_id = site.setup.alert[JANE]
    client, token = site.signed_in()
    page = confirm(client, token, alert_id, "reply", POSTED)
    form = send_form(token, page.text, "reply", POSTED)
    target = f"/alerts/{alert_id}/respond/send"
    refused = [
        client.post(target, data={**form, "csrf": "guess"}),
        client.post(target, data={k: v for k, v in form.items() if k != "csrf"}),
        client.post(target, data=form, headers={"Sec-Fetch-Site": "cross-site"}),
        client.post(target, data=form, headers={"Origin": "https://evil.example"}),
        client.post(
            f"/alerts/{alert_id}/respond",
            data={"csrf": token, "op": "reply", "text": POSTED},
            headers={"Sec-Fetch-Site": "same-site"},
        ),
    ]
    assert [answer.status_code for answer in refused] == [403] * 5
    assert site.setup.business.writes() == [] and site.events(alert_id) == []
    # Other words than those confirmed are not sent either.
    tampered = client.post(target, data={**form, "text": "Something else entirely."})
    assert tampered.status_code == 409 and "differ from the words confirmed" in tampered.text
    assert site.setup.business.writes() == []
    # The confirmation itself still works: the refused requests spent nothing.
    assert client.post(target, data=form).status_code == 303
    assert len(site.setup.business.writes()) == 1


def test_a_source_that_takes_no_reply_shows_no_form_but_what_to_do(site: Site) -> None:
    alert_id = site.setup.alert["news"]
    client, token = site.signed_in()
    shown = client.get(f"/alerts/{alert_id}").text
    respond = shown.split('id="respond-heading"')[1].split("</section>")[0]
    assert 'name="op"' not in respond and "<textarea" not in respond
    assert "a feed entry is someone else&#39;s page: contact its publisher" in respond
    answer = confirm(client, token, alert_id, "reply", POSTED)
    assert answer.status_code == 409
    assert "Nothing was sent: a news (feed) entry cannot be answered" in problem_of(answer.text)
    assert 'name="once"' not in answer.text
    assert site.events(alert_id) == []


def test_only_the_dsl_answers_a_safeguarding_matter(site: Site) -> None:
    alert_id = site.setup.alert[JANE]
    mention = stored(site.setup, "google", JANE)
    with site.store.transaction() as tx:
        draft = AlertDraft("safeguarding", Severity.URGENT, "s", f"safeguarding:{JANE}")
        stored_alerts.add_many(tx, [NewAlert(draft, mention.id)], mention.first_seen_at)
    client, token = site.signed_in(SLT)
    shown = client.get(f"/alerts/{alert_id}").text
    assert html.escape(SAFEGUARDING_RESPONSE, quote=False) in shown
    assert 'name="op"' not in shown.split('id="respond-heading"')[1].split("</section>")[0]
    assert confirm(client, token, alert_id, "reply", POSTED).status_code == 403
    dsl, dsl_token = site.signed_in(DSL)
    assert confirm(dsl, dsl_token, alert_id, "reply", POSTED).status_code == 200
    assert site.setup.business.writes() == []
