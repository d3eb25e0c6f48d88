"""The digest over a real SMTP server: both parts, windows that tile time, quiet days, preview."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

from monitor.config.settings import Config
from monitor.mail.digest import build, preview, render_digest, send_digest_if_due, send_now
from storage import digests, outbox
from storage.database import Store
from tests.mail.conftest import add_mention, raise_alert
from tests.mail.smtpd import SmtpServer

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TUESDAY_DIGEST = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)  # 07:30 in London, schedule time
ROOT = Path(__file__).resolve().parents[2]


def test_a_digest_is_received_with_both_parts(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    with store.transaction() as tx:
        mention = add_mention(
            tx, "t1", now=MONDAY, text="Shocking behaviour at the gate.", words=("shocking",)
        )
        raise_alert(tx, "negative", mention, now=MONDAY)

    assert send_digest_if_due(store, config, TUESDAY_DIGEST) is not None

    [mail] = smtp_server.received
    assert mail.rcpt_tos == ["slt@calcot.example"]
    message = mail.message
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == (
        "Calcot Schools: 1 new mention, 1 alert (digest Tuesday 1 December 2026)"
    )
    text, html = mail.part("plain"), mail.part("html")
    for part in (text, html):
        assert "Shocking behaviour at the gate." in part
        assert "https://www.mumsnet.com/talk/primary/t1" in part
        assert "Mon 30 Nov 08:55" in part  # published, in London time
        assert "-0.60" in part and "shocking" in part
    assert "MENTIONS PER WEEK" in text and "Mentions per week" in html
    assert "<script" not in html and "<img" not in html


def test_windows_tile_time_across_two_digests_and_a_restart(
    config: Config, smtp_server: SmtpServer
) -> None:
    with Store.open(config.storage.url) as store:
        with store.transaction() as tx:
            add_mention(tx, "before", now=MONDAY, text="First window only.")
        assert send_digest_if_due(store, config, TUESDAY_DIGEST - timedelta(minutes=1)) is None
        first = TUESDAY_DIGEST + timedelta(minutes=1)
        assert send_digest_if_due(store, config, first) is not None
        assert send_digest_if_due(store, config, first + timedelta(minutes=9)) is None
        with store.transaction() as tx:
            add_mention(tx, "after", now=first + timedelta(hours=5), text="Second window only.")

    wednesday = TUESDAY_DIGEST + timedelta(days=1)
    with Store.open(config.storage.url) as restarted:
        assert send_digest_if_due(restarted, config, wednesday - timedelta(seconds=1)) is None
        assert send_digest_if_due(restarted, config, wednesday) is not None
        with restarted.transaction() as tx:
            windows = digests.windows(tx)
            assert len(outbox.unsent(tx)) == 0

    assert [(w.window_start, w.window_end) for w in windows] == [
        (first - timedelta(days=7), first),
        (first, wednesday),
    ]
    texts = [mail.part("plain") for mail in smtp_server.received]
    assert len(texts) == 2
    assert "First window only." in texts[0] and "Second window only." not in texts[0]
    assert "Second window only." in texts[1] and "First window only." not in texts[1]


def test_a_quiet_day_says_so_plainly(store: Store, config: Config, smtp_server: SmtpServer) -> None:
    with store.transaction() as tx:
        add_mention(tx, "old", now=MONDAY)
        digests.add(tx, MONDAY - timedelta(days=1), MONDAY + timedelta(hours=1), None, MONDAY)

    send_digest_if_due(store, config, TUESDAY_DIGEST)

    [mail] = smtp_server.received
    assert mail.message["Subject"] == (
        "Calcot Schools: no new mentions (digest Tuesday 1 December 2026)"
    )
    for part in (mail.part("plain"), mail.part("html")):
        assert "No new mentions since Mon 30 Nov 10:00." in part


def test_preview_changes_nothing_and_send_builds_a_window_once(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    with store.transaction() as tx:
        add_mention(tx, "p", now=MONDAY, text="Previewed text.")
    _, html = preview(store, config, TUESDAY_DIGEST)
    assert "Previewed text." in html
    with store.transaction() as tx:
        assert digests.windows(tx) == [] and outbox.unsent(tx) == []
    assert smtp_server.received == []

    assert send_now(store, config, MONDAY + timedelta(hours=2)) is not None
    assert send_now(store, config, MONDAY + timedelta(hours=2)) is None  # that window is built
    assert len(smtp_server.received) == 1


def load_example() -> ModuleType:
    """docs/make_digest_example.py as a module."""
    path = ROOT / "docs" / "make_digest_example.py"
    spec = importlib.util.spec_from_file_location("make_digest_example", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_realistic_example_shows_every_section(tmp_path: Path) -> None:
    example = load_example()
    config = example.example_config(tmp_path / "example.db")
    with Store.open(config.storage.url) as store:
        example.store_history(store, config)
        example.store_examples(store, config, example.BUSY_DAY, example.NOW)
        example.store_health_and_ratings(store)
        with store.transaction(read_only=True) as tx:
            busy = build(tx, config, example.START, example.NOW)
    text, html = render_digest(busy, config)

    assert busy.mention_count == len(example.BUSY_DAY)
    assert {m for m in ("review", "revision", "thread", "post", "comment", "entry")} <= {
        e.item_type for e in example.BUSY_DAY
    }
    urgent = text[text.index("URGENT ALERTS") : text.index("HIGH ALERTS")]
    assert urgent.index("safeguarding") < urgent.index("wikipedia_vandalism")
    assert "3 new ratings not shown by Google's API" in text
    assert "Reviews without a reply (3)" in text
    assert "2 sources are not being read: google (auth_expired), mumsnet (blocked)" in text
    assert "PRAISE TO ACKNOWLEDGE (2)" in text
    assert "4.2 stars from 61 ratings, down 0.1 from 4.3 (57 ratings)" in text
    assert html.count('bgcolor="#c01c28"') >= 1  # the trend's negative bar cells


def test_a_flood_stays_under_gmails_clipping_size_and_says_how_many_more(
    store: Store, config: Config
) -> None:
    from monitor.model import Severity

    long_text = "Calcot " + "word " * 200
    with store.transaction() as tx:
        for number in range(120):
            mention = add_mention(tx, f"m{number}", now=MONDAY, text=long_text, title="T" * 200)
            severity = list(Severity)[number % 4]
            rule = "praise" if severity is Severity.INFO else "abusive"
            if number < 80:
                raise_alert(tx, rule, mention, severity=severity, now=MONDAY)
        text, html = render_digest(build(tx, config, MONDAY, TUESDAY_DIGEST), config)
    assert len(html.encode()) < 102 * 1024  # Gmail clips longer HTML behind "View entire message"
    assert "URGENT ALERTS (20)" in text and "and 10 more: `monitor alerts` lists them all." in text
    assert "and 30 more: <code>monitor mentions</code> lists them all." in html


def test_with_a_web_page_the_digest_links_each_alert_to_its_page(
    tmp_path: Path, sqlite_url: str, smtp_server: SmtpServer
) -> None:
    from monitor.config.settings import load
    from tests.configs import write_config
    from tests.mail.conftest import email_table

    path = write_config(
        tmp_path,
        storage_url=sqlite_url,
        sources={},
        extra=email_table(smtp_server.port)
        + '[web]\nbase_url = "https://monitor.calcot.example/"\n',
    )
    config = load(path)
    with Store.open(sqlite_url) as store:
        with store.transaction() as tx:
            mention = add_mention(tx, "t1", now=MONDAY, text="Shocking behaviour at the gate.")
            alert = raise_alert(tx, "negative", mention, now=MONDAY)
        assert send_digest_if_due(store, config, TUESDAY_DIGEST) is not None
    [mail] = smtp_server.received
    page = f"https://monitor.calcot.example/alerts/{alert.id}"
    assert f"Open in the monitor: {page}" in mail.part("plain")
    assert f'<a href="{page}"' in mail.part("html")
