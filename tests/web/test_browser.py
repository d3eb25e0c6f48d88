"""The web page in a real browser: Chromium (Debian's, /usr/bin/chromium) driven by Playwright
against `monitor web` run as a subprocess, a SQLite file and a real SMTP server for the mail.

One server, one SMTP server and one browser for the whole module (each test its own browser
context, so its own cookies); each test works on its own alerts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from monitor.config.settings import load
from monitor.judgement import advice
from monitor.mail.delivery import dispatch
from monitor.mail.urgent import queue_urgent
from monitor.model import AlertStatus, Role, Severity
from storage import alerts as stored_alerts
from storage.database import Store
from tests.loopback import LoopbackServer, Reply
from tests.mail.conftest import add_mention, email_table, raise_alert
from tests.mail.smtpd import SmtpServer, free_port
from tests.responding import JANE, scanned
from tests.sources.google_business import support as google
from tests.web.served import NOW, add_user, read_sign_in, wait_for_mail, web_config_file
from tests.web.served import served as served_app

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DSL, ADMIN = "dsl@calcot.example", "it@calcot.example"
# One SLT user per test: a user is mailed at most three sign-in links in 15 minutes.
SLT_USERS = ("ack", "action", "bulk", "hostile", "crosssite", "nojs")


def slt(test: str) -> str:
    """The SLT user a test signs in as."""
    return f"slt.{test}@calcot.example"


pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Chromium is not installed (apt-get install chromium)"
)


@dataclass
class Served:
    """`monitor web` running, its database, the SMTP server, and the alerts seeded for tests."""

    url: str
    database_url: str
    smtp: SmtpServer
    alerts: dict[str, int]
    mailed_link: str  # the alert link in the urgent mail the SMTP server received

    def status(self, alert_id: int) -> AlertStatus:
        with Store.open(self.database_url) as store, store.transaction(read_only=True) as tx:
            found = stored_alerts.get(tx, alert_id)
        assert found is not None
        return found.status

    def events(self, alert_id: int) -> list[tuple[str, str, str | None]]:
        with Store.open(self.database_url) as store, store.transaction(read_only=True) as tx:
            return [(e.actor, str(e.action), e.note) for e in stored_alerts.events(tx, alert_id)]


def seed(database_url: str, config_path: Path) -> tuple[dict[str, int], None]:
    """Users, and alerts for each test; an urgent mail for the deep-link test, sent now."""
    config = load(config_path)
    ids: dict[str, int] = {}
    with Store.open(database_url) as store:
        for name in SLT_USERS:
            add_user(store, slt(name), Role.SLT, f"Mrs {name.capitalize()}")
        add_user(store, DSL, Role.DSL, "Mr Safe")
        add_user(store, ADMIN, Role.ADMIN, "IT")
        with store.transaction() as tx:
            for name in ("ack", "action", "bulk1", "bulk2", "nojs", "nojs_action", "crosssite"):
                mention = add_mention(tx, name, text=f"The {name} post: awful car park again.")
                ids[name] = raise_alert(tx, "negative", mention, severity=Severity.NORMAL).id
            hostile = add_mention(
                tx,
                "hostile",
                text='<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">',
                title='<b onmouseover="window.pwned = 3">title</b>',
                url="javascript:window.pwned=4",
            )
            ids["hostile"] = raise_alert(tx, "abusive", hostile, severity=Severity.HIGH).id
            worrying = add_mention(tx, "deep", text="A child told me something worrying.")
            deep = raise_alert(tx, "safeguarding", worrying)
            ids["deep"] = deep.id
            queue_urgent(tx, config, [deep], NOW)
        dispatch(store, config, NOW)
    return ids, None


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp("web")
    smtp = SmtpServer().start()
    port = free_port()
    path = web_config_file(directory, port, smtp.port)
    database_url = f"sqlite:///{directory / 'monitor.db'}"
    ids, _ = seed(database_url, path)
    urgent = wait_for_mail(smtp, 1).part("plain")
    link = next(line.split(": ", 1)[1] for line in urgent.splitlines() if "in the monitor:" in line)
    command = [sys.executable, "-m", "monitor", "--config", str(path), "web", "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                raise RuntimeError(f"monitor web did not start: {output}")
            time.sleep(0.1)
        yield Served(url, database_url, smtp, ids, link)
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()
        smtp.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A page in a fresh context (its own cookies), JavaScript on."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    yield context.new_page()
    context.close()


def sign_in(served: Served, page: object, email: str, start: str = "/login") -> None:
    """Sign in through the form and the mailed link, as a person would."""
    before = len(served.smtp.received)
    page.goto(served.url + start)  # type: ignore[attr-defined]
    page.get_by_label("Email address").fill(email)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Send me a sign-in link").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Check your mail").wait_for()  # type: ignore[attr-defined]
    mail = read_sign_in(wait_for_mail(served.smtp, before + 1))
    assert mail.to == email
    page.goto(mail.link)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    page.wait_for_url(lambda url: "/login" not in url)  # type: ignore[attr-defined]


def test_sign_in_by_link_then_acknowledge_in_place(served: Served, page: object) -> None:
    sign_in(served, page, slt("ack"))
    alert_id = served.alerts["ack"]
    assert page.url == served.url + "/alerts"  # type: ignore[attr-defined]
    page.evaluate("window.notReloaded = true")  # type: ignore[attr-defined]
    page.get_by_role("button", name=f"Acknowledge alert {alert_id}").click()  # type: ignore[attr-defined]
    announce = page.locator("#announce")  # type: ignore[attr-defined]
    playwright_api.expect(announce).to_have_text(f"Alert {alert_id} acknowledged.")
    row = page.locator(f"#alert-{alert_id}")  # type: ignore[attr-defined]
    playwright_api.expect(row.locator(".status")).to_have_text("acknowledged")
    assert page.evaluate("window.notReloaded") is True  # type: ignore[attr-defined]
    assert served.status(alert_id) is AlertStatus.ACKNOWLEDGED
    assert served.events(alert_id) == [(slt("ack"), "acknowledged", None)]


def test_record_an_action_with_a_note(served: Served, page: object) -> None:
    sign_in(served, page, slt("action"))
    alert_id = served.alerts["action"]
    page.goto(f"{served.url}/alerts/{alert_id}")  # type: ignore[attr-defined]
    page.get_by_label("What was done").select_option("reported_to_platform")  # type: ignore[attr-defined]
    page.get_by_label("Note", exact=True).fill("Reported via the page's menu")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Record").click()  # type: ignore[attr-defined]
    history = page.locator(".history")  # type: ignore[attr-defined]
    playwright_api.expect(history).to_contain_text(
        "Reported it to the platform by " + slt("action")
    )
    playwright_api.expect(history).to_contain_text("Reported via the page's menu")
    assert served.events(alert_id) == [
        (slt("action"), "reported_to_platform", "Reported via the page's menu")
    ]


def test_bulk_resolve_after_a_confirmation(served: Served, page: object) -> None:
    sign_in(served, page, slt("bulk"))
    picked = [served.alerts["bulk1"], served.alerts["bulk2"]]
    for alert_id in picked:
        page.get_by_label(f"Select alert {alert_id}", exact=True).check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Resolve…").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Resolve 2 alerts?").wait_for()  # type: ignore[attr-defined]
    assert all(served.status(i) is AlertStatus.OPEN for i in picked)
    page.get_by_role("button", name="Yes, resolve 2 alerts").click()  # type: ignore[attr-defined]
    playwright_api.expect(page.locator("#announce")).to_have_text("2 alerts resolved.")  # type: ignore[attr-defined]
    assert all(served.status(i) is AlertStatus.RESOLVED for i in picked)


def test_a_link_in_an_urgent_mail_returns_to_its_alert_after_sign_in(
    served: Served, page: object
) -> None:
    assert served.mailed_link == f"{served.url}/alerts/{served.alerts['deep']}"
    page.goto(served.mailed_link)  # type: ignore[attr-defined]
    assert "/login?next=" in page.url  # type: ignore[attr-defined]
    before = len(served.smtp.received)
    page.get_by_label("Email address").fill(DSL)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Send me a sign-in link").click()  # type: ignore[attr-defined]
    mail = read_sign_in(wait_for_mail(served.smtp, before + 1))
    page.goto(mail.link)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    page.wait_for_url(served.mailed_link)  # type: ignore[attr-defined]
    playwright_api.expect(page.locator("blockquote")).to_have_text(  # type: ignore[attr-defined]
        "A child told me something worrying."
    )


def test_hostile_scraped_text_is_shown_as_text(served: Served, page: object) -> None:
    sign_in(served, page, slt("hostile"))
    for path in (f"/alerts/{served.alerts['hostile']}", "/mentions?q=pwned"):
        page.goto(served.url + path)  # type: ignore[attr-defined]
        page.locator(".title").first.hover()  # type: ignore[attr-defined]
        assert page.evaluate("window.pwned") is None  # type: ignore[attr-defined]
        quote = page.locator("blockquote").first.inner_text()  # type: ignore[attr-defined]
        assert quote.startswith("<script>window.pwned = 1</script>")
        assert page.locator("script:not([src])").count() == 0  # type: ignore[attr-defined]
        assert page.locator("[href^='javascript' i]").count() == 0  # type: ignore[attr-defined]
        assert page.locator("img, [onerror], [onmouseover]").count() == 0  # type: ignore[attr-defined]
    assert "Not a link" in page.content()  # type: ignore[attr-defined]


def test_a_post_from_another_site_is_refused(served: Served, page: object) -> None:
    sign_in(served, page, slt("crosssite"))
    alert_id = served.alerts["crosssite"]
    attacker = LoopbackServer().start()
    try:
        form = (
            f'<form method="post" action="{served.url}/alerts/{alert_id}/status">'
            '<input name="to" value="dismissed"><input name="csrf" value="guess">'
            "<button>Win a prize</button></form>"
        )
        attacker.route("/", Reply(body=form, headers={"Content-Type": "text/html"}))
        # localhost and 127.0.0.1 are different sites to the browser.
        page.goto(attacker.url.replace("127.0.0.1", "localhost") + "/")  # type: ignore[attr-defined]
        with page.expect_response(lambda r: "/status" in r.url) as answer:  # type: ignore[attr-defined]
            page.get_by_role("button", name="Win a prize").click()  # type: ignore[attr-defined]
        assert answer.value.status == 403
    finally:
        attacker.stop()
    assert served.status(alert_id) is AlertStatus.OPEN and served.events(alert_id) == []


def test_without_javascript_the_forms_still_work(served: Served, browser: object) -> None:
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        sign_in(served, page, slt("nojs"))
        alert_id = served.alerts["nojs"]
        page.get_by_role("button", name=f"Acknowledge alert {alert_id}").click()
        playwright_api.expect(page.locator("#announce")).to_have_text("Alert acknowledged.")
        assert served.status(alert_id) is AlertStatus.ACKNOWLEDGED
        other = served.alerts["nojs_action"]
        page.goto(f"{served.url}/alerts/{other}")
        page.get_by_label("Note for the incident log (optional)").fill("False alarm: a car park")
        page.get_by_role("button", name="Dismiss as a false alarm").click()
        playwright_api.expect(page.locator(".history")).to_contain_text("False alarm: a car park")
        assert served.status(other) is AlertStatus.DISMISSED
    finally:
        context.close()


PAGES = [
    "/login",
    "/alerts",
    "/alerts?status=resolved",
    "/alerts/{hostile}",
    "/mentions",
    "/incidents",
    "/sources",
    "/users",
]


def visit_every_page(served: Served, page: object) -> Iterator[str]:
    """Each page an admin sees, then the signed-out ones; yields each path once it is shown."""
    sign_in(served, page, ADMIN)
    for path in PAGES[1:]:
        page.goto(served.url + path.format(**served.alerts))  # type: ignore[attr-defined]
        yield path
    page.get_by_label(
        f"Select alert {served.alerts['hostile']}", exact=True
    ).check() if False else None
    page.goto(served.url + "/alerts")  # type: ignore[attr-defined]
    page.locator("input[name=ids]").first.check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Acknowledge…").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Acknowledge 1 alert?").wait_for()  # type: ignore[attr-defined]
    yield "confirmation"
    page.get_by_role("button", name="Sign out").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Sign in").wait_for()  # type: ignore[attr-defined]
    yield "/login"
    page.get_by_label("Email address").fill("nobody@calcot.example")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Send me a sign-in link").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Check your mail").wait_for()  # type: ignore[attr-defined]
    yield "check your mail"


def test_every_page_reflows_at_320_px(served: Served, browser: object) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        for where in visit_every_page(served, page):
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, f"{where}: {width} px wide"
    finally:
        context.close()


def test_axe_finds_no_wcag_22_aa_violation_on_any_page(served: Served, browser: object) -> None:
    # axe is injected as a script: the page's own Content-Security-Policy would refuse it.
    context = browser.new_context(bypass_csp=True)  # type: ignore[attr-defined]
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        for where in visit_every_page(served, page):
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
            )
            assert len(result["passes"]) > 10, where  # axe ran its rules on this page
            problems = [
                f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in result["violations"]
            ]
            if problems:
                found[where] = problems
    finally:
        context.close()
    assert found == {}, json.dumps(found, indent=1)


def test_reply_from_the_page_after_a_confirmation_names_the_user(
    browser: object,
    server: LoopbackServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    smtp: SmtpServer,
) -> None:
    # Its own page over a scanned Business Profile double (tests/responding.py), at 320 px.
    port = free_port()
    web = email_table(smtp.port) + f'[web]\nbase_url = "http://127.0.0.1:{port}"\n'
    # Playwright's sync API keeps an event loop in this thread; the scan needs its own.
    with ThreadPoolExecutor(1) as pool:
        setup = pool.submit(scanned, server, tmp_path, monkeypatch, web).result()
    email, alert_id = slt("respond"), setup.alert[JANE]
    words = "Thank you for your review. Please call the school office: we would like to help."
    context = browser.new_context(viewport={"width": 320, "height": 640}, bypass_csp=True)  # type: ignore[attr-defined]
    with Store.open(setup.url) as store, served_app(load(setup.path), store, port) as url:
        add_user(store, email, Role.SLT, "Mrs Respond")
        page = context.new_page()
        try:
            sign_in(Served(url, setup.url, smtp, {}, ""), page, email)
            page.goto(f"{url}/alerts/{alert_id}")
            box = page.get_by_label("Public reply, as the owner's reply under the review on Google")
            playwright_api.expect(box).to_have_value(
                advice.draft_reply("low_rating", "Calcot Schools") or ""
            )
            box.fill(words)
            page.get_by_role("button", name="Check the reply before posting…").click()
            page.get_by_role("heading", name="Post this reply?").wait_for()
            playwright_api.expect(page.locator("#confirm-text")).to_have_text(words)
            playwright_api.expect(page.locator(".confirm-what")).to_contain_text(
                "google (google_business)"
            )
            assert setup.business.writes() == []
            assert page.evaluate("document.documentElement.scrollWidth") <= 320
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
            )
            assert len(result["passes"]) > 10 and result["violations"] == [], result["violations"]
            page.get_by_role("button", name="Post this reply").click()
            playwright_api.expect(page.locator("#announce")).to_have_text(
                "Your reply was posted and recorded in the history."
            )
            playwright_api.expect(page.locator(".history")).to_contain_text(
                f"Replied publicly by {email}: {words}"
            )
        finally:
            context.close()
    [put] = setup.business.writes()
    assert put.path == f"{google.REVIEWS}/{JANE}/reply"
    assert json.loads(put.body) == {"comment": words}
