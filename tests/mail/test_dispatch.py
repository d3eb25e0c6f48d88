"""Urgent mail over a real SMTP conversation: one message per batch, retries, failures, crashes."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config.settings import Config, load
from monitor.mail.delivery import LEASE, dispatch
from monitor.mail.urgent import queue_urgent
from monitor.model import OutboxKind, OutboxStatus, Severity
from storage import outbox
from storage.database import Store
from tests.configs import write_config
from tests.mail.conftest import NOW, add_mention, email_table, mail_config, raise_alert
from tests.mail.smtpd import SmtpServer


def test_urgent_alerts_raised_together_go_in_one_message(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    with store.transaction() as tx:
        first = add_mention(
            tx, "p1", text="A teacher shouted at my child and I fear for her safety."
        )
        second = add_mention(tx, "p2", text="The head is a useless idiot.", words=("useless",))
        raised = [raise_alert(tx, "abusive", second), raise_alert(tx, "safeguarding", first)]
        queued = queue_urgent(tx, config, raised, NOW)
    assert len(queued) == 1

    report = dispatch(store, config, NOW)

    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [mail] = smtp_server.received
    assert sorted(mail.rcpt_tos) == ["dsl@calcot.example", "head@calcot.example"]
    assert mail.mail_from == "monitor@calcot.example"
    message = mail.message
    assert message["Subject"] == "[Urgent] 2 alerts: safeguarding, abusive · mumsnet"
    with store.transaction() as tx:
        row = outbox.get(tx, queued[0])
    assert row is not None and row.status is OutboxStatus.SENT and row.sent_at == NOW
    assert message["Message-ID"] == row.message_id
    text = mail.part("plain")
    # Safeguarding first, whatever order the alerts were raised in.
    assert text.index("safeguarding") < text.index("abusive")
    assert "I fear for her safety" in text and "The head is a useless idiot." in text
    assert "https://www.mumsnet.com/talk/primary/p1" in text
    assert "score -0.60" in text and "why: useless" in text
    assert "Designated Safeguarding Lead" in text and "POSH" in text
    html = mail.part("html")
    assert '<a href="https://www.mumsnet.com/talk/primary/p2"' in html
    assert "What the policy suggests" in html and "<script" not in html


def test_only_urgent_and_health_alerts_are_mailed_and_health_goes_to_admin(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    with store.transaction() as tx:
        mention = add_mention(tx, "p1")
        raised = [
            raise_alert(tx, "negative", mention, severity=Severity.NORMAL),
            raise_alert(tx, "low_rating", mention, severity=Severity.HIGH),
            raise_alert(
                tx,
                "source_health",
                None,
                severity=Severity.HIGH,
                source="google",
                summary="google: auth expired (the refresh token was revoked)",
            ),
        ]
        queued = queue_urgent(tx, config, raised, NOW)
        assert len(queued) == 1
        row = outbox.get(tx, queued[0])
    assert row is not None and row.kind is OutboxKind.HEALTH

    dispatch(store, config, NOW)

    [mail] = smtp_server.received
    assert mail.rcpt_tos == ["it@calcot.example"]
    assert mail.message["Subject"] == (
        "[High] source_health · google: google: auth expired (the refresh token was revoked)"
    )
    assert "monitor status" in mail.part("plain")


def test_queueing_twice_does_not_mail_an_alert_twice(store: Store, config: Config) -> None:
    with store.transaction() as tx:
        alert = raise_alert(tx, "extremism", add_mention(tx, "p1"))
        assert len(queue_urgent(tx, config, [alert], NOW)) == 1
        assert queue_urgent(tx, config, [alert], NOW) == []


def test_a_refusal_is_retried_later_and_the_message_sent_once(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    smtp_server.handler.replies = ["451 4.3.0 Mailbox busy, try later"]
    with store.transaction() as tx:
        [row_id] = queue_urgent(tx, config, [raise_alert(tx, "abusive", add_mention(tx, "a"))], NOW)

    first = dispatch(store, config, NOW)
    assert (first.sent, first.retrying) == (0, 1)
    with store.transaction() as tx:
        row = outbox.get(tx, row_id)
    assert row is not None and row.status is OutboxStatus.PENDING and row.attempts == 1
    assert row.last_error == "refused: 451 4.3.0 Mailbox busy, try later"
    assert row.next_attempt_at == NOW + timedelta(minutes=1)
    assert dispatch(store, config, NOW + timedelta(seconds=30)).sent == 0  # not due yet

    assert dispatch(store, config, NOW + timedelta(minutes=1)).sent == 1
    assert dispatch(store, config, NOW + timedelta(minutes=5)).sent == 0
    assert len(smtp_server.received) == 1
    with store.transaction() as tx:
        row = outbox.get(tx, row_id)
    assert row is not None and row.status is OutboxStatus.SENT and row.attempts == 2


def test_a_permanent_rejection_is_failed_and_never_retried(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    smtp_server.handler.replies = ["554 5.7.1 Message rejected as spam"]
    with store.transaction() as tx:
        [row_id] = queue_urgent(tx, config, [raise_alert(tx, "abusive", add_mention(tx, "a"))], NOW)

    report = dispatch(store, config, NOW)

    assert report.failed == 1 and "554 5.7.1 Message rejected as spam" in report.errors[0]
    assert dispatch(store, config, NOW + timedelta(days=1)).sent == 0
    assert smtp_server.received == []
    with store.transaction() as tx:
        [failed] = outbox.failed_since(tx, NOW - timedelta(days=7))
    assert failed.id == row_id and failed.status is OutboxStatus.FAILED


def test_no_server_is_a_retry_not_a_loss(tmp_path: Path, sqlite_url: str) -> None:
    config = mail_config(tmp_path, sqlite_url, port=9)  # nothing listens on the discard port
    with Store.open(sqlite_url) as store:
        with store.transaction() as tx:
            queue_urgent(tx, config, [raise_alert(tx, "abusive", add_mention(tx, "a"))], NOW)
        report = dispatch(store, config, NOW)
        assert report.retrying == 1 and "cannot reach 127.0.0.1" in report.errors[0]
        with store.transaction() as tx:
            [row] = outbox.unsent(tx)
    assert row.status is OutboxStatus.PENDING and row.attempts == 1


def test_quiet_hours_hold_mail_until_they_end_except_safeguarding(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    evening = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)  # 22:00 in London: quiet
    with store.transaction() as tx:
        abusive = raise_alert(tx, "abusive", add_mention(tx, "a", now=evening), now=evening)
        [held_id] = queue_urgent(tx, config, [abusive], evening)
    assert dispatch(store, config, evening).sent == 0

    late = evening + timedelta(hours=1, minutes=30)
    with store.transaction() as tx:
        named = raise_alert(tx, "staff_named", add_mention(tx, "b", now=late), now=late)
        assert queue_urgent(tx, config, [named], late) == [held_id]  # joins the held message
    night = evening + timedelta(hours=4)
    with store.transaction() as tx:
        danger = raise_alert(tx, "safeguarding", add_mention(tx, "c", now=night), now=night)
        [at_once] = queue_urgent(tx, config, [danger], night)
    assert at_once != held_id
    assert dispatch(store, config, night).sent == 1
    assert "safeguarding" in smtp_server.received[0].message["Subject"]

    morning = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    assert dispatch(store, config, morning - timedelta(minutes=1)).sent == 0
    assert dispatch(store, config, morning).sent == 1
    held = smtp_server.received[1]
    assert held.message["Subject"] == "[Urgent] 2 alerts: abusive, staff_named · mumsnet"
    assert "held until they ended (Wed 2 Dec 07:00)" in held.part("plain")
    assert "Post a about" in held.part("plain") and "Post b about" in held.part("plain")
    assert len(smtp_server.received) == 2


def test_login_uses_the_password_and_it_is_never_logged_stored_or_mailed(
    tmp_path: Path,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    password = "s3cret-smtp-pass-9911"
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", password)
    server = SmtpServer(with_auth=True).start()
    try:
        config = mail_config(
            tmp_path,
            sqlite_url,
            server.port,
            username="monitor@calcot.example",
            password_env="MONITOR_SMTP_PASSWORD",
        )
        caplog.set_level(logging.DEBUG)
        with Store.open(sqlite_url) as store:
            with store.transaction() as tx:
                alert = raise_alert(tx, "abusive", add_mention(tx, "a"))
                queue_urgent(tx, config, [alert], NOW)
            assert dispatch(store, config, NOW).sent == 1
    finally:
        server.stop()
    assert server.handler.logins == [("monitor@calcot.example", password)]
    assert password not in caplog.text
    assert password.encode() not in server.received[0].raw
    for stored in tmp_path.glob("monitor.db*"):
        assert password.encode() not in stored.read_bytes()


def test_a_wrong_password_is_retried_and_not_repeated_in_the_error(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", "wrong-password-5150")
    server = SmtpServer(with_auth=True).start()
    try:
        config = mail_config(
            tmp_path,
            sqlite_url,
            server.port,
            username="monitor@calcot.example",
            password_env="MONITOR_SMTP_PASSWORD",
        )
        with Store.open(sqlite_url) as store:
            with store.transaction() as tx:
                queue_urgent(tx, config, [raise_alert(tx, "abusive", add_mention(tx, "a"))], NOW)
            report = dispatch(store, config, NOW)
    finally:
        server.stop()
    assert report.retrying == 1
    assert "login refused (535)" in report.errors[0]
    assert "wrong-password-5150" not in report.errors[0]


def test_a_password_file_loosened_after_start_is_not_sent_and_the_error_names_the_key(
    tmp_path: Path, sqlite_url: str
) -> None:
    password_file = tmp_path / "smtp-password"
    password_file.write_text("s3cret-smtp-pass-9911")
    password_file.chmod(0o600)
    server = SmtpServer(with_auth=True).start()
    try:
        config = mail_config(
            tmp_path,
            sqlite_url,
            server.port,
            username="monitor@calcot.example",
            password_file=str(password_file),
        )
        password_file.chmod(0o622)  # after the config was loaded
        with Store.open(sqlite_url) as store:
            with store.transaction() as tx:
                queue_urgent(tx, config, [raise_alert(tx, "abusive", add_mention(tx, "a"))], NOW)
            report = dispatch(store, config, NOW)
    finally:
        server.stop()
    assert report.retrying == 1 and server.handler.logins == [] and server.received == []
    [error] = report.errors
    assert "SMTP password not read: password_file: secret file" in error
    assert "writable by group or others (mode 0622)" in error


DISPATCH_IN_A_CHILD = """
import sys
from datetime import UTC, datetime
from monitor.config.settings import load
from monitor.mail.delivery import dispatch
from storage.database import Store
from pathlib import Path
config = load(Path(sys.argv[1]))
with Store.open(config.storage.url) as store:
    dispatch(store, config, datetime.now(UTC))
print("finished", flush=True)
"""


def test_a_dispatcher_killed_after_the_server_accepted_resends_once_with_the_same_id(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    with store.transaction() as tx:
        [first] = queue_urgent(tx, config, [raise_alert(tx, "abusive", add_mention(tx, "a"))], NOW)
    later = NOW + timedelta(minutes=1)
    with store.transaction() as tx:
        alert = raise_alert(tx, "extremism", add_mention(tx, "b"), now=later)
        [second] = queue_urgent(tx, config, [alert], later)
    child: dict[str, subprocess.Popen[bytes]] = {}

    def kill_the_dispatcher() -> None:
        # The server has the message; the dispatcher dies before it learns so and records it.
        deadline = time.monotonic() + 30
        while "process" not in child and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(child["process"].pid, signal.SIGKILL)
        smtp_server.handler.on_data = None

    smtp_server.handler.on_data = kill_the_dispatcher
    child["process"] = subprocess.Popen(
        [sys.executable, "-c", DISPATCH_IN_A_CHILD, str(config.path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, _ = child["process"].communicate(timeout=60)
    assert child["process"].returncode == -signal.SIGKILL and b"finished" not in out
    assert len(smtp_server.received) == 1
    with store.transaction() as tx:
        stuck = outbox.get(tx, first)
        waiting = outbox.get(tx, second)
    assert stuck is not None and stuck.status is OutboxStatus.SENDING
    assert waiting is not None and waiting.status is OutboxStatus.PENDING

    # A dispatcher now leaves the stuck row alone (its lease runs); after the lease, it resends.
    assert dispatch(store, config, datetime.now(UTC)).sent == 1
    assert dispatch(store, config, datetime.now(UTC) + LEASE + timedelta(minutes=1)).sent == 1

    ids = [mail.message["Message-ID"] for mail in smtp_server.received]
    assert ids == [stuck.message_id, waiting.message_id, stuck.message_id]
    with store.transaction() as tx:
        assert outbox.unsent(tx) == []


def test_held_alerts_gather_in_one_message_on_each_backend(
    tmp_path: Path, database_url: str
) -> None:
    config = mail_config(tmp_path, database_url, port=9)
    evening = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    with Store.open(database_url) as store:
        for hour, name in enumerate(("a", "b", "c")):
            moment = evening + timedelta(hours=hour)
            with store.transaction() as tx:
                alert = raise_alert(tx, "abusive", add_mention(tx, name, now=moment), now=moment)
                queue_urgent(tx, config, [alert], moment)
        with store.transaction() as tx:
            [held] = outbox.unsent(tx)
            carried = outbox.alerts_in(tx, held.id)
    assert len(carried) == 3 and held.next_attempt_at == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    assert held.subject == "[Urgent] 3 alerts: abusive · mumsnet"


def test_an_alert_held_while_the_held_message_is_being_sent_gets_its_own(
    store: Store, config: Config
) -> None:
    evening = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    morning = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    with store.transaction() as tx:
        first = raise_alert(tx, "abusive", add_mention(tx, "a", now=evening), now=evening)
        [held] = queue_urgent(tx, config, [first], evening)
    with store.transaction() as tx:
        assert outbox.claim_next(tx, "dispatcher", morning, morning + LEASE) is not None
    late = morning - timedelta(seconds=1)  # a scan whose clock still says quiet hours
    with store.transaction() as tx:
        second = raise_alert(tx, "abusive", add_mention(tx, "b", now=late), now=late)
        [own] = queue_urgent(tx, config, [second], late)
        row = outbox.get(tx, own)
        assert [alert.id for alert in outbox.alerts_in(tx, held)] == [first.id]
    assert own != held and row is not None and row.next_attempt_at == morning


def test_with_a_web_page_urgent_mail_links_each_alert_to_its_page(
    tmp_path: Path, sqlite_url: str, smtp_server: SmtpServer
) -> None:
    path = write_config(
        tmp_path,
        storage_url=sqlite_url,
        sources={},
        extra=email_table(smtp_server.port)
        + '[web]\nbase_url = "https://monitor.calcot.example"\n',
    )
    config = load(path)
    with Store.open(sqlite_url) as store:
        with store.transaction() as tx:
            mention = add_mention(tx, "p1", text="I fear for a child's safety.")
            alert = raise_alert(tx, "safeguarding", mention)
            queue_urgent(tx, config, [alert], NOW)
        dispatch(store, config, NOW)
    [mail] = smtp_server.received
    page = f"https://monitor.calcot.example/alerts/{alert.id}"
    assert f"Open it in the monitor: {page}" in mail.part("plain")
    assert f'<a href="{page}"' in mail.part("html")


def test_without_a_web_page_urgent_mail_has_no_page_link(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    with store.transaction() as tx:
        alert = raise_alert(tx, "safeguarding", add_mention(tx, "p1"))
        queue_urgent(tx, config, [alert], NOW)
    dispatch(store, config, NOW)
    assert "/alerts/" not in smtp_server.received[0].part("plain")
