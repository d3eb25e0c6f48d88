"""The web page over real HTTP (httpx → uvicorn on 127.0.0.1): sign-in, sessions, CSRF, roles.

Each test drives the served app as a browser would (cookies, forms, redirects) and checks the
database or the mail server for what did or did not happen.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from click.testing import CliRunner
from starlette.routing import Route

from monitor.cli import main
from monitor.model import AlertStatus
from monitor.web.app import SIGN_IN_REQUESTS, create_app
from storage import alerts as stored_alerts
from storage import login_tokens
from tests.mail.smtpd import SmtpServer
from tests.web.conftest import ADMIN, DSL, SLT, Site, make_site
from tests.web.served import form_token, read_sign_in, wait_for_mail


def status_of(site: Site, alert_id: int) -> AlertStatus:
    with site.store.transaction(read_only=True) as tx:
        found = stored_alerts.get(tx, alert_id)
    assert found is not None
    return found.status


def events_of(site: Site, alert_id: int) -> list[tuple[str, str, str | None]]:
    with site.store.transaction(read_only=True) as tx:
        return [(e.actor, str(e.action), e.note) for e in stored_alerts.events(tx, alert_id)]


def ask_for_link(site: Site, client: httpx.Client, email: str, next_path: str = "") -> str:
    """POST the sign-in form; the page's HTML."""
    page = client.get("/login", params={"next": next_path} if next_path else None)
    answer = client.post(
        "/login", data={"csrf": form_token(page.text), "email": email, "next": next_path}
    )
    assert answer.status_code == 200
    return answer.text


# ---- sign-in ----------------------------------------------------------------------------------


def test_signed_out_visitor_is_sent_to_sign_in_with_next(site: Site) -> None:
    answer = site.client().get("/alerts/3?x=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Falerts%2F3%3Fx%3D1"


def test_the_mailed_link_opens_a_page_and_only_its_post_signs_in_once(site: Site) -> None:
    client = site.client()
    ask_for_link(site, client, "  Head@Calcot.example ")
    mail = read_sign_in(wait_for_mail(site.smtp, 1))
    assert mail.to == SLT
    # A mail scanner's GETs: a page with a button, no session, the link still good.
    scanner = site.client()
    for _ in range(2):
        page = scanner.get(mail.link)
        assert page.status_code == 200 and "<button" in page.text
        assert not any("session" in name for name in scanner.cookies)
    signed = client.post(mail.link, data={"csrf": form_token(client.get(mail.link).text)})
    assert signed.status_code == 303 and signed.headers["location"] == "/alerts"
    assert client.get("/alerts").status_code == 200
    again = site.client()
    assert "expired or has been used" in again.get(mail.link).text
    reused = again.post(mail.link, data={"csrf": form_token(again.get("/login").text)})
    assert reused.status_code == 400 and "expired or has been used" in reused.text
    assert again.get("/alerts").status_code == 303


def test_the_session_cookie_is_httponly_and_lax(site: Site) -> None:
    client = site.client()
    ask_for_link(site, client, SLT)
    mail = read_sign_in(wait_for_mail(site.smtp, 1))
    signed = client.post(mail.link, data={"csrf": form_token(client.get(mail.link).text)})
    cookie = next(v for v in signed.headers.get_list("set-cookie") if "session" in v)
    assert cookie.startswith("monitor_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie


def test_with_https_the_cookie_is_secure_and_host_prefixed(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    # Served over loopback http (as behind the TLS proxy), configured for its https address.
    # httpx keeps Secure cookies from http, so the test carries the cookie itself.
    for site in make_site(tmp_path, smtp, base_url="https://monitor.calcot.example"):
        client = site.client()
        page = client.get("/login")
        [set_cookie] = page.headers.get_list("set-cookie")
        assert set_cookie.startswith("__Host-monitor_signin=") and "Secure" in set_cookie
        cookie = {"Cookie": set_cookie.split(";")[0]}
        client.cookies.clear()
        token = form_token(page.text)
        client.post("/login", data={"csrf": token, "email": SLT}, headers=cookie)
        text = wait_for_mail(site.smtp, 1).part("plain")
        link = re.search(r"https://monitor\.calcot\.example/login/([\w-]+)", text)
        assert link, text
        signed = client.post(f"/login/{link[1]}", data={"csrf": token}, headers=cookie)
        assert signed.status_code == 303
        session = next(v for v in signed.headers.get_list("set-cookie") if "session" in v)
        assert session.startswith("__Host-monitor_session=")
        assert "Secure" in session and "HttpOnly" in session and "Path=/" in session
        assert "Domain" not in session


def test_tokens_are_stored_only_as_hashes(site: Site) -> None:
    client = site.client()
    ask_for_link(site, client, SLT)
    mail = read_sign_in(wait_for_mail(site.smtp, 1))
    token = mail.link.rsplit("/", 1)[1]
    hashed = hashlib.sha256(token.encode()).hexdigest()
    with site.store.transaction(read_only=True) as tx:
        stored = login_tokens.by_link(tx, hashed)
    assert stored is not None and mail.code not in stored.code_hash
    database = Path(site.config.storage.url.removeprefix("sqlite:///"))
    files = [database, database.with_name(database.name + "-wal")]
    raw = b"".join(path.read_bytes() for path in files if path.exists())
    assert hashed.encode() in raw  # the check below looks where the token would be
    assert token.encode() not in raw


def test_a_link_expires_after_15_minutes(site: Site) -> None:
    client = site.client()
    ask_for_link(site, client, SLT)
    mail = read_sign_in(wait_for_mail(site.smtp, 1))
    page = client.get(mail.link)
    site.clock.advance(timedelta(minutes=15, seconds=1))
    late = client.post(mail.link, data={"csrf": form_token(page.text)})
    assert late.status_code == 400
    assert client.get("/alerts").status_code == 303


def test_the_code_signs_in_the_asking_browser_and_five_wrong_codes_spend_it(site: Site) -> None:
    client = site.client()
    page = ask_for_link(site, client, DSL)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page)
    assert nonce
    mail = read_sign_in(wait_for_mail(site.smtp, 1))
    wrong = f"{(int(mail.code) + 1) % 1_000_000:06d}"
    token = form_token(page)
    first = client.post("/login/code", data={"csrf": token, "nonce": nonce[1], "code": wrong})
    assert first.status_code == 400 and "not the one we sent" in first.text
    right = client.post(
        "/login/code",
        data={"csrf": token, "nonce": nonce[1], "code": mail.code[:3] + " " + mail.code[3:]},
    )
    assert right.status_code == 303
    assert client.get("/alerts").status_code == 200

    other = site.client()
    page = ask_for_link(site, other, DSL)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page)
    assert nonce
    mail = read_sign_in(wait_for_mail(site.smtp, 2))
    wrong = f"{(int(mail.code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        other.post("/login/code", data={"csrf": form_token(page), "nonce": nonce[1], "code": wrong})
    spent = other.post(
        "/login/code", data={"csrf": form_token(page), "nonce": nonce[1], "code": mail.code}
    )
    assert spent.status_code == 400 and "expired or has been used" in spent.text
    assert other.get("/alerts").status_code == 303


def test_an_unknown_address_gets_the_same_page_and_no_mail(site: Site) -> None:
    def shown(html: str) -> str:
        return re.sub(r'value="[^"]*"', 'value=""', html)

    client = site.client()
    unknown = ask_for_link(site, client, "stranger@evil.example")
    known = ask_for_link(site, client, SLT)
    assert shown(unknown) == shown(known)
    # Mail is sent in order: the first (and only) one is the known user's.
    assert read_sign_in(wait_for_mail(site.smtp, 1)).to == SLT
    assert len(site.smtp.received) == 1


def test_sign_in_requests_are_rate_limited(site: Site) -> None:
    client = site.client()
    token = form_token(client.get("/login").text)
    answers = [
        client.post("/login", data={"csrf": token, "email": f"x{n}@calcot.example"})
        for n in range(SIGN_IN_REQUESTS + 1)
    ]
    assert [a.status_code for a in answers[:-1]] == [200] * SIGN_IN_REQUESTS
    assert answers[-1].status_code == 429 and int(answers[-1].headers["retry-after"]) > 0
    # A link is a sign-in POST too: refused while the limit holds.
    assert client.post("/login/anything", data={"csrf": token}).status_code == 429


def test_one_user_is_mailed_at_most_three_links_in_15_minutes(site: Site) -> None:
    client = site.client()
    for _ in range(4):
        ask_for_link(site, client, SLT)
    wait_for_mail(site.smtp, 3)
    ask_for_link(site, client, DSL)  # a later mail proves the fourth was never sent
    assert read_sign_in(wait_for_mail(site.smtp, 4)).to == DSL
    assert [read_sign_in(m).to for m in site.smtp.received] == [SLT, SLT, SLT, DSL]


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/alerts",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/%2F%2Fevil.example",
        "\t//evil.example",
    ],
)
def test_next_never_leaves_the_site(site: Site, target: str) -> None:
    client = site.client()
    page = client.get("/login", params={"next": target})
    kept = re.search(r'name="next" value="([^"]*)"', page.text)
    assert kept
    client.post("/login", data={"csrf": form_token(page.text), "email": SLT, "next": target})
    mail = read_sign_in(wait_for_mail(site.smtp, 1))
    signed = client.post(mail.link, data={"csrf": form_token(client.get(mail.link).text)})
    location = signed.headers["location"]
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location
    assert httpx.URL(site.url).join(location).host == "127.0.0.1"


def test_next_returns_to_a_deep_link_after_sign_in(site: Site) -> None:
    alert_id = site.alert_ids["low_rating"]
    client = site.client()
    first = client.get(f"/alerts/{alert_id}")
    next_path = unquote(first.headers["location"].split("next=")[1])
    ask_for_link(site, client, SLT, next_path)
    mail = read_sign_in(wait_for_mail(site.smtp, 1))
    signed = client.post(mail.link, data={"csrf": form_token(client.get(mail.link).text)})
    assert signed.headers["location"] == f"/alerts/{alert_id}"


# ---- sessions ---------------------------------------------------------------------------------


def test_a_session_ends_after_the_idle_time(site: Site) -> None:
    client, _ = site.signed_in()
    site.clock.advance(timedelta(hours=1, minutes=59))
    assert client.get("/alerts").status_code == 200
    site.clock.advance(timedelta(hours=1, minutes=59))  # idle counts from the last request
    assert client.get("/alerts").status_code == 200
    site.clock.advance(timedelta(hours=2))
    assert client.get("/alerts").status_code == 303


def test_a_session_ends_at_its_absolute_limit_however_active(site: Site) -> None:
    client, _ = site.signed_in()
    for _ in range(11):
        site.clock.advance(timedelta(hours=1))
        assert client.get("/alerts").status_code == 200
    site.clock.advance(timedelta(hours=1))
    assert client.get("/alerts").status_code == 303


def test_sign_out_ends_the_session_on_the_server(site: Site) -> None:
    client, token = site.signed_in()
    cookies = dict(client.cookies)
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    replay = site.client()
    replay.cookies.update(cookies)
    assert replay.get("/alerts").status_code == 303


def test_removing_a_user_signs_them_out_at_once(site: Site) -> None:
    client, _ = site.signed_in()
    assert client.get("/alerts").status_code == 200
    result = CliRunner().invoke(
        main, ["--config", str(site.config_path), "users", "remove", SLT.upper()]
    )
    assert result.exit_code == 0, result.output
    assert "1 session ended" in result.output
    assert client.get("/alerts").status_code == 303


# ---- CSRF -------------------------------------------------------------------------------------


def test_a_post_without_the_token_or_from_another_site_changes_nothing(site: Site) -> None:
    alert_id = site.alert_ids["negative"]
    client, token = site.signed_in()
    target = f"/alerts/{alert_id}/status"
    refused = [
        client.post(target, data={"to": "acknowledged"}),
        client.post(target, data={"to": "acknowledged", "csrf": "guess"}),
        client.post(
            target,
            data={"to": "acknowledged", "csrf": token},
            headers={"Sec-Fetch-Site": "cross-site"},
        ),
        client.post(
            target,
            data={"to": "acknowledged", "csrf": token},
            headers={"Sec-Fetch-Site": "same-site"},
        ),
        client.post(
            target,
            data={"to": "acknowledged", "csrf": token},
            headers={"Origin": "https://evil.example"},
        ),
    ]
    assert [answer.status_code for answer in refused] == [403] * 5
    assert status_of(site, alert_id) is AlertStatus.OPEN and events_of(site, alert_id) == []
    done = client.post(
        target,
        data={"to": "acknowledged", "csrf": token},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": site.url},
    )
    assert done.status_code == 303
    assert status_of(site, alert_id) is AlertStatus.ACKNOWLEDGED
    assert events_of(site, alert_id) == [(SLT, "acknowledged", None)]


def test_every_post_route_refuses_a_request_without_the_token(site: Site) -> None:
    client, _ = site.signed_in()
    app = create_app(site.config, site.store)
    routes = app.app.routes  # type: ignore[attr-defined]
    posts = [
        route.path.replace("{alert_id:int}", str(site.alert_ids["negative"]))
        for route in routes
        if isinstance(route, Route) and "POST" in (route.methods or ())
    ]
    assert len(posts) == 9
    for path in posts:
        answer = client.post(
            path.replace("{token}", "x"),
            data={
                "to": "resolved",
                "op": "resolved",
                "ids": "1",
                "confirm": "yes",
                "action": "note",
                "email": SLT,
            },
        )
        assert answer.status_code == 403, path
    assert client.get("/alerts").status_code == 200  # and /logout without a token did not sign out
    assert all(status_of(site, i) is AlertStatus.OPEN for i in site.alert_ids.values())
    assert len(site.smtp.received) == 1  # the sign-in mail only


def test_a_signed_out_post_changes_nothing(site: Site) -> None:
    alert_id = site.alert_ids["negative"]
    answer = site.client().post(f"/alerts/{alert_id}/status", data={"to": "resolved", "csrf": "x"})
    assert answer.status_code == 403
    assert status_of(site, alert_id) is AlertStatus.OPEN


def test_a_cross_site_sign_in_post_is_refused(site: Site) -> None:
    client = site.client()
    token = form_token(client.get("/login").text)
    answer = client.post(
        "/login", data={"csrf": token, "email": SLT}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert answer.status_code == 403
    without_cookie = site.client().post("/login", data={"csrf": token, "email": SLT})
    assert without_cookie.status_code == 403
    ask_for_link(site, client, DSL)
    assert read_sign_in(wait_for_mail(site.smtp, 1)).to == DSL


# ---- roles ------------------------------------------------------------------------------------

WORRY = "something worrying about a teacher"


def test_slt_sees_safeguarding_alerts_without_their_details(site: Site) -> None:
    alert_id = site.alert_ids["safeguarding"]
    client, _ = site.signed_in(SLT)
    for path in ("/alerts", f"/alerts/{alert_id}", "/mentions", "/mentions?q=worrying"):
        page = client.get(path)
        assert page.status_code == 200
        assert WORRY not in page.text and "worrying about a teacher" not in page.text, path
    assert "Designated Safeguarding Lead only" in client.get(f"/alerts/{alert_id}").text
    assert "car park is a shambles" in client.get("/mentions").text


def test_dsl_sees_safeguarding_details_in_full(site: Site) -> None:
    alert_id = site.alert_ids["safeguarding"]
    client, _ = site.signed_in(DSL)
    assert WORRY in client.get(f"/alerts/{alert_id}").text
    assert "worrying about a teacher" in client.get("/alerts").text
    assert WORRY in client.get("/mentions?q=WORRYING").text
    assert client.get("/sources").status_code == 403


def test_admin_sees_sources_and_users_and_others_do_not(site: Site) -> None:
    admin, _ = site.signed_in(ADMIN)
    assert admin.get("/sources").status_code == 200
    users_page = admin.get("/users")
    assert users_page.status_code == 200 and DSL in users_page.text
    assert WORRY not in admin.get(f"/alerts/{site.alert_ids['safeguarding']}").text
    slt, _ = site.signed_in(SLT)
    assert slt.get("/sources").status_code == 403 and slt.get("/users").status_code == 403
    assert 'href="/sources"' not in slt.get("/alerts").text


# ---- what pages show and do --------------------------------------------------------------------


def test_actions_and_the_incident_log_name_the_signed_in_user(site: Site) -> None:
    alert_id = site.alert_ids["low_rating"]
    client, token = site.signed_in(SLT)
    client.post(
        f"/alerts/{alert_id}/action",
        data={"csrf": token, "action": "replied_publicly", "note": "Thanked & invited to call"},
    )
    client.post(f"/alerts/{alert_id}/status", data={"csrf": token, "to": "resolved"})
    assert events_of(site, alert_id) == [
        (SLT, "replied_publicly", "Thanked & invited to call"),
        (SLT, "resolved", None),
    ]
    csv = client.get("/incidents.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    cli = CliRunner().invoke(
        main, ["--config", str(site.config_path), "incidents", "--format", "csv"]
    )
    assert cli.exit_code == 0 and csv.content == cli.stdout_bytes
    assert "Thanked &amp; invited to call" in client.get("/incidents").text


def test_bulk_resolve_asks_first_then_resolves_the_ticked_ones(site: Site) -> None:
    client, token = site.signed_in(SLT)
    picked = [site.alert_ids["negative"], site.alert_ids["low_rating"]]
    form = {"csrf": token, "op": "resolved", "ids": [str(i) for i in picked], "next": "/alerts"}
    confirm = client.post("/alerts/bulk", data=form)
    assert confirm.status_code == 200 and "Resolve 2 alerts?" in confirm.text
    assert all(status_of(site, i) is AlertStatus.OPEN for i in picked)
    done = client.post("/alerts/bulk", data={**form, "confirm": "yes"})
    assert done.status_code == 303 and "count=2" in done.headers["location"]
    assert all(status_of(site, i) is AlertStatus.RESOLVED for i in picked)
    assert status_of(site, site.alert_ids["safeguarding"]) is AlertStatus.OPEN
    assert "2 alerts resolved." in client.get(done.headers["location"]).text


def test_a_status_change_the_alert_does_not_allow_changes_nothing(site: Site) -> None:
    alert_id = site.alert_ids["negative"]
    client, token = site.signed_in(SLT)
    client.post(f"/alerts/{alert_id}/status", data={"csrf": token, "to": "dismissed"})
    again = client.post(f"/alerts/{alert_id}/status", data={"csrf": token, "to": "acknowledged"})
    assert again.status_code == 303 and "problem=status" in again.headers["location"]
    assert status_of(site, alert_id) is AlertStatus.DISMISSED
    assert [e[1] for e in events_of(site, alert_id)] == ["dismissed"]


def test_hostile_text_is_escaped_and_only_http_links_are_links(site: Site) -> None:
    from tests.mail.conftest import add_mention, raise_alert

    with site.store.transaction() as tx:
        mention_id = add_mention(
            tx,
            "evil",
            text='<script>alert("x")</script><img src=x onerror=alert(1)>',
            title="<b>bold</b>",
            author='"><svg onload=alert(1)>',
            url="javascript:alert(document.cookie)",
        )
        alert_id = raise_alert(tx, "negative", mention_id, summary="<i>quoted</i>").id
    client, _ = site.signed_in(SLT)
    for path in (f"/alerts/{alert_id}", "/mentions", "/alerts"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg" not in html
        assert "<b>bold</b>" not in html and "<i>quoted</i>" not in html
        assert 'href="javascript:' not in html
    html = client.get(f"/alerts/{alert_id}").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "Not a link" in html


def test_every_response_carries_the_security_headers(site: Site) -> None:
    client, _ = site.signed_in(SLT)
    for path in ("/alerts", "/login", "/static/monitor.css", "/nowhere"):
        answer = client.get(path)
        assert "script-src 'self'" in answer.headers["content-security-policy"], path
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "same-origin"
    assert client.get("/alerts").headers["cache-control"] == "no-store"
    assert client.get("/nowhere").status_code == 404
