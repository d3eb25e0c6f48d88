"""`monitor mail flush|test`, `monitor digest`, the failed-mail line of `monitor status`, and
`monitor scan` sending pending urgent mail: through the real command and a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner, Result

from monitor.cli import main
from monitor.config.settings import Config, load
from monitor.mail.delivery import dispatch, flush
from monitor.mail.urgent import queue_urgent
from monitor.model import OutboxStatus
from storage import digests, outbox
from storage.database import Store
from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply
from tests.mail.conftest import NOW, add_mention, email_table, raise_alert
from tests.mail.smtpd import SmtpServer


def run(config: Config | Path, *args: str) -> Result:
    path = config if isinstance(config, Path) else config.path
    return CliRunner().invoke(main, ["--config", str(path), *args], catch_exceptions=False)


def queue_one(store: Store, config: Config) -> int:
    with store.transaction() as tx:
        [row_id] = queue_urgent(tx, config, [raise_alert(tx, "abusive", add_mention(tx, "a"))], NOW)
    return row_id


def test_mail_test_sends_a_test_message(config: Config, smtp_server: SmtpServer) -> None:
    result = run(config, "mail", "test")
    assert result.exit_code == 0, result.output
    assert "test message sent to slt@calcot.example" in result.output
    [mail] = smtp_server.received
    assert mail.message["Subject"] == "Calcot Schools: test message from the reputation monitor"


def test_mail_test_says_why_it_failed(tmp_path: Path, sqlite_url: str) -> None:
    path = write_config(tmp_path, storage_url=sqlite_url, sources={}, extra=email_table(9))
    result = run(path, "mail", "test")
    assert result.exit_code == 1
    assert "test message not sent: cannot reach 127.0.0.1" in result.output


def test_mail_flush_sends_the_outbox(store: Store, config: Config, smtp_server: SmtpServer) -> None:
    queue_one(store, config)
    result = run(config, "mail", "flush")
    assert result.exit_code == 0, result.output
    assert len(smtp_server.received) == 1
    assert run(config, "mail", "flush").exit_code == 0
    assert len(smtp_server.received) == 1


def test_mail_flush_retries_deferred_mail_now_and_the_daemon_keeps_the_back_off(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    smtp_server.handler.replies = ["451 4.3.0 Mailbox busy, try later"]
    row_id = queue_one(store, config)
    now = datetime.now(UTC)
    assert dispatch(store, config, now).retrying == 1
    # The daemon's minute job: not due until the retry time.
    assert dispatch(store, config, now + timedelta(seconds=30)).sent == 0
    assert smtp_server.received == []

    flushed = run(config, "mail", "flush")

    assert flushed.exit_code == 0, flushed.output
    assert "mail: sent 1 message(s)" in flushed.output
    [mail] = smtp_server.received
    with store.transaction() as tx:
        row = outbox.get(tx, row_id)
    assert row is not None and row.status is OutboxStatus.SENT and row.attempts == 2
    assert mail.message["Message-ID"] == row.message_id


def test_a_flush_tries_a_deferred_message_once_and_leaves_it_deferred(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    smtp_server.handler.replies = ["451 4.3.0 Mailbox busy", "451 4.3.0 Still busy"]
    row_id = queue_one(store, config)
    assert dispatch(store, config, NOW).retrying == 1

    report = flush(store, config, NOW)

    assert (report.sent, report.retrying) == (0, 1)
    assert smtp_server.handler.replies == []  # the server was asked exactly twice
    with store.transaction() as tx:
        row = outbox.get(tx, row_id)
    assert row is not None and row.status is OutboxStatus.PENDING and row.attempts == 2
    assert row.next_attempt_at == NOW + timedelta(minutes=2)  # the back-off goes on doubling


def test_a_flush_leaves_mail_held_for_quiet_hours(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    evening = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)  # 22:00 in London: quiet
    with store.transaction() as tx:
        alert = raise_alert(tx, "abusive", add_mention(tx, "a", now=evening), now=evening)
        [held] = queue_urgent(tx, config, [alert], evening)

    assert flush(store, config, evening).sent == 0
    assert smtp_server.received == []
    with store.transaction() as tx:
        row = outbox.get(tx, held)
    assert row is not None and row.next_attempt_at == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


def test_a_permanent_failure_is_shown_by_status(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    smtp_server.handler.replies = ["550 5.1.1 head@calcot.example: no such mailbox"]
    row_id = queue_one(store, config)
    flushed = run(config, "mail", "flush")
    assert flushed.exit_code == 1
    assert "failed: refused: 550 5.1.1 head@calcot.example: no such mailbox" in flushed.output

    status = run(config, "status")
    assert status.exit_code == 0
    assert f"mail: urgent message {row_id} of" in status.output
    assert "(refused: 550 5.1.1 head@calcot.example: no such mailbox)" in status.output
    assert "[Urgent] abusive · mumsnet: abusive in a post" in status.output


def test_mail_commands_need_an_email_table(tmp_path: Path, sqlite_url: str) -> None:
    path = write_config(tmp_path, storage_url=sqlite_url, sources={})
    result = run(path, "mail", "flush")
    assert result.exit_code == 2 and "no [email] table" in result.output


def test_digest_preview_writes_html_and_changes_nothing(
    store: Store, config: Config, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    with store.transaction() as tx:
        # The command reads the real clock: the mention is an hour old by it.
        add_mention(
            tx, "p", text="What the preview shows.", now=datetime.now(UTC) - timedelta(hours=1)
        )
    target = tmp_path / "digest.html"
    result = run(config, "digest", "--preview", str(target))
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "What the preview shows." in html
    assert "What the preview shows." in run(config, "digest").output  # plain text on stdout
    with store.transaction() as tx:
        assert digests.windows(tx) == [] and outbox.unsent(tx) == []
    assert smtp_server.received == []

    sent = run(config, "digest", "--send")
    assert sent.exit_code == 0, sent.output
    [mail] = smtp_server.received
    assert "What the preview shows." in mail.part("plain")
    with store.transaction() as tx:
        assert len(digests.windows(tx)) == 1


def test_scan_ends_by_sending_pending_urgent_mail(
    tmp_path: Path, sqlite_url: str, smtp_server: SmtpServer, server: LoopbackServer
) -> None:
    server.route("/news.rss", Reply.fixture("feed/rss2.xml", "application/rss+xml"))
    path = write_config(
        tmp_path,
        storage_url=sqlite_url,
        sources={"news": {"type": "feed", "url": f"{server.url}/news.rss"}},
        extra=email_table(smtp_server.port),
    )
    assert run(path, "status").exit_code == 0  # creates the database
    config = load(path)
    with Store.open(sqlite_url) as store:
        queue_one(store, config)  # as the scan's commit stage does for an urgent alert
    scanned = run(path, "scan")
    assert scanned.exit_code == 0, scanned.output
    assert len(smtp_server.received) == 1
    assert "mail: sent 1 message(s)" in scanned.output
