"""Screenshots of the web page for the README and docs/web.md, from a realistic day's alerts.

    .venv/bin/python docs/make_web_screenshots.py [--out DIR]

Stores mentions and alerts like a day at Calcot in a fresh SQLite file, serves `monitor web`'s
app on 127.0.0.1 (uvicorn in a thread, the clock fixed), signs a DSL and an administrator in
(sessions made directly: no mail is sent), and photographs the pages with Playwright on Debian's
Chromium at 1200 px (desktop), 375 px (a phone) and 320 px (the narrowest WCAG asks for).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from monitor.alerts import record_action, transition
from monitor.config.settings import load
from monitor.model import AlertAction, AlertDraft, AlertStatus, Item, Role, Sentiment, Severity
from monitor.web.app import create_app
from monitor.web.sessions import COOKIE
from storage import alerts, mentions, users
from storage.database import Store

DOCS = Path(__file__).resolve().parent
NOW = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)  # a Tuesday morning in London (GMT)
PORT = 8765
CONFIG = f"""
[school]
name = "Calcot Schools"
aliases = ["Calcot Infant School", "Calcot Junior School"]
[storage]
url = "sqlite:///{{directory}}/monitor.db"
[email]
smtp_host = "localhost"
security = "none"
from = "Calcot reputation monitor <monitor@calcot.example>"
to = ["slt@calcot.example"]
[web]
base_url = "http://127.0.0.1:{PORT}"
[sources.google]
type = "google_business"
account_id = "accounts/112233445566778899000"
location_id = "9876543210987654321"
client_id = "1234567890-example.apps.googleusercontent.com"
client_secret_env = "GBP_CLIENT_SECRET"
refresh_token_env = "GBP_REFRESH_TOKEN"
[sources.mumsnet]
type = "feed"
url = "https://example.org/b.xml"
[sources.facebook]
type = "facebook_page"
page_id = "104829301234567"
access_token_env = "FB_PAGE_TOKEN"
[sources.wiki]
type = "feed"
url = "https://example.org/d.xml"
"""
# The two sources that take a reply or a hide (nothing is sent: the pictures stop at the
# confirmation); the others are feeds.
SOURCE_TYPES = {"google": "google_business", "facebook": "facebook_page"}

# (source, item type, hours ago, author, title, text, url, rating, compound, words, rule,
#  severity, summary)
DAY = [
    (
        "mumsnet",
        "post",
        1.5,
        "WorriedMum22",
        "Calcot Junior - anyone else concerned?",
        "My son says an older boy keeps threatening him at the gate after school and the staff"
        " don't see it. He's scared to go in tomorrow.",
        "https://www.mumsnet.com/talk/primary/5012345-calcot-junior",
        None,
        -0.82,
        ("scared", "threatening"),
        "safeguarding",
        Severity.URGENT,
        "safeguarding words: threatening, scared",
    ),
    (
        "facebook",
        "comment",
        3,
        "J. Parker",
        None,
        "Absolute joke of a school. The head is useless and the office never answers the phone.",
        "https://www.facebook.com/calcotschools/posts/123",
        None,
        -0.79,
        ("joke", "useless"),
        "abusive",
        Severity.HIGH,
        "abusive words: useless; worst sentence -0.79",
    ),
    (
        "google",
        "review",
        5,
        "Sam T",
        None,
        "Poor communication about the new pick-up arrangements. Three emails, all different.",
        "https://maps.google.com/?cid=1#review-2",
        2.0,
        -0.48,
        ("poor",),
        "low_rating",
        Severity.HIGH,
        '2-star review: "Poor communication about the new pick-up arrangements."',
    ),
    (
        "wiki",
        "revision",
        7,
        "~2026-31245-07",
        "Calcot Junior School",
        "Removed 4,210 bytes (the History and Ofsted sections) by a temporary account.",
        "https://en.wikipedia.org/w/index.php?diff=1274400000",
        None,
        -0.1,
        (),
        "wikipedia_vandalism",
        Severity.URGENT,
        "large removal (4,210 bytes, 38% of the page) by a temporary account",
    ),
    (
        "mumsnet",
        "thread",
        9,
        "NewToReading",
        "Calcot Infants vs Southcote for reception?",
        "Looking at reception places for September. Any views on Calcot Infants?",
        "https://www.mumsnet.com/talk/primary/5012399",
        None,
        0.0,
        (),
        "new_thread",
        Severity.HIGH,
        "new thread naming Calcot Infant School",
    ),
    (
        "google",
        "review",
        20,
        "Priya K",
        None,
        "Wonderful, caring teachers. My daughter has come on so much in Year 2. Thank you!",
        "https://maps.google.com/?cid=1#review-3",
        5.0,
        0.93,
        ("wonderful", "caring"),
        "praise",
        Severity.INFO,
        "to acknowledge: 5-star review",
    ),
]

EDITED_REPLY = (
    "Thank you for telling us, and we are sorry the pick-up messages were confusing. Please"
    " contact the school office so that we can talk it through with you. We never discuss"
    " individual pupils, families or staff online. From everyone at Calcot Schools."
)


def sentiment(compound: float, words: tuple[str, ...]) -> Sentiment:
    """A sentiment with this compound and these words."""
    return Sentiment(
        compound=compound,
        pos=max(compound, 0.0),
        neu=0.5,
        neg=max(-compound, 0.0),
        most_negative=min(compound, 0.0),
        most_negative_sentence="",
        words=words,
    )


def seed(store: Store) -> dict[str, int]:
    """The day's mentions and alerts, users, and some history; alert ids by rule."""
    ids: dict[str, int] = {}
    with store.transaction() as tx:
        for email, name, role in [
            ("head@calcot.example", "Mrs Head", Role.SLT),
            ("dsl@calcot.example", "Mr Safe", Role.DSL),
            ("it@calcot.example", "IT office", Role.ADMIN),
        ]:
            users.add_or_update(tx, email, name=name, role=role, now=NOW - timedelta(days=30))
        for number, row in enumerate(DAY):
            (
                source,
                kind,
                hours,
                author,
                title,
                text,
                url,
                rating,
                compound,
                words,
                rule,
                severity,
                summary,
            ) = row
            when = NOW - timedelta(hours=hours)
            item = Item(
                f"x{number}",
                kind,
                text,
                url=url,
                title=title,
                author=author,
                published_at=when,
                rating=rating,
            )
            tone = "negative" if compound <= -0.5 else "positive" if compound >= 0.5 else "neutral"
            mention_id = mentions.add_or_update(
                tx,
                source=source,
                source_type=SOURCE_TYPES.get(source, "feed"),
                item=item,
                sentiment=sentiment(compound, words),
                labels=[tone],
                now=when,
                baseline=False,
            ).mention_id
            draft = AlertDraft(rule, severity, summary, f"{rule}:{number}", source)
            [alert] = alerts.add_many(tx, [alerts.NewAlert(draft, mention_id)], when)
            ids[rule] = alert.id
        transition(
            tx,
            ids["wikipedia_vandalism"],
            AlertStatus.ACKNOWLEDGED,
            actor="head@calcot.example",
            note="Reverted by a Wikipedia editor already",
            now=NOW - timedelta(hours=6),
        )
        record_action(
            tx,
            ids["abusive"],
            AlertAction.REPORTED_TO_PLATFORM,
            actor="head@calcot.example",
            note="Reported to Facebook as harassment",
            now=NOW - timedelta(hours=2),
        )
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS)
    out = parser.parse_args().out
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "config.toml"
        path.write_text(CONFIG.replace("{directory}", directory), encoding="utf-8")
        # Nothing is sent to Google or Facebook: the secrets they would need are placeholders.
        for name in ("GBP_CLIENT_SECRET", "GBP_REFRESH_TOKEN", "FB_PAGE_TOKEN"):
            os.environ.setdefault(name, "placeholder-never-sent")
        config = load(path)
        with Store.open(config.storage.url) as store:
            ids = seed(store)
            app = create_app(config, store, clock=lambda: NOW)
            tokens = {}
            with store.transaction() as tx:
                state = app.app.state.web  # type: ignore[attr-defined]
                for email in ("dsl@calcot.example", "it@calcot.example", "head@calcot.example"):
                    user = users.get_by_email(tx, email)
                    assert user is not None
                    tokens[email] = state.sessions.start(tx, user.id)
            server = uvicorn.Server(
                uvicorn.Config(app, host="127.0.0.1", port=PORT, log_config=None)
            )
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            while not server.started:
                time.sleep(0.05)
            try:
                shoot(out, ids, tokens)
            finally:
                server.should_exit = True
                thread.join()


def shoot(out: Path, ids: dict[str, int], tokens: dict[str, str]) -> None:
    """Photograph the pages."""
    base = f"http://127.0.0.1:{PORT}"
    shots = [
        ("web-alerts.png", "head@calcot.example", "/alerts", 1200),
        ("web-alert.png", "dsl@calcot.example", f"/alerts/{ids['abusive']}", 1200),
        (
            "web-alert-slt-safeguarding.png",
            "head@calcot.example",
            f"/alerts/{ids['safeguarding']}",
            1200,
        ),
        ("web-mentions.png", "dsl@calcot.example", "/mentions", 1200),
        ("web-incidents.png", "head@calcot.example", "/incidents", 1200),
        ("web-sources.png", "it@calcot.example", "/sources", 1200),
        ("web-alerts-320.png", "head@calcot.example", "/alerts", 320),
        ("web-alert-375.png", "dsl@calcot.example", f"/alerts/{ids['safeguarding']}", 375),
        ("web-incidents-375.png", "head@calcot.example", "/incidents", 375),
        ("web-login-375.png", None, "/login", 375),
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        for name, email, path, width in shots:
            context = browser.new_context(
                viewport={"width": width, "height": 800}, device_scale_factor=1
            )
            if email is not None:
                context.add_cookies([{"name": COOKIE, "value": tokens[email], "url": base}])
            page = context.new_page()
            page.goto(base + path)
            page.screenshot(path=str(out / name), full_page=True)
            context.close()
            print(f"wrote {out / name}")
        for name, width in (
            ("web-respond-confirm.png", 1200),
            ("web-respond-confirm-320.png", 320),
        ):
            # The reply to the 2-star review: the policy's draft, edited, then its confirmation.
            context = browser.new_context(
                viewport={"width": width, "height": 800}, device_scale_factor=1
            )
            cookie = tokens["head@calcot.example"]
            context.add_cookies([{"name": COOKIE, "value": cookie, "url": base}])
            page = context.new_page()
            page.goto(f"{base}/alerts/{ids['low_rating']}")
            page.locator("#reply-text").fill(EDITED_REPLY)
            page.get_by_role("button", name="Check the reply before posting…").click()
            page.get_by_role("heading", name="Post this reply?").wait_for()
            page.screenshot(path=str(out / name), full_page=True)
            context.close()
            print(f"wrote {out / name}")
        browser.close()


if __name__ == "__main__":
    main()
