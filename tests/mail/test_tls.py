"""STARTTLS and implicit TLS against a real server with a certificate; an untrusted one refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from monitor.mail.delivery import dispatch
from monitor.mail.urgent import queue_urgent
from storage.database import Store
from tests.mail.conftest import NOW, add_mention, mail_config, raise_alert
from tests.mail.smtpd import SmtpServer, self_signed_certificate

PASSWORD = "s3cret-smtp-pass-9911"
pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_mail_goes_over_tls_with_a_verified_certificate_and_login(
    security: str, tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    certificate = self_signed_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust our test CA only
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", PASSWORD)
    server = SmtpServer(with_auth=True, tls=security, certificate=certificate).start()
    try:
        config = mail_config(
            tmp_path,
            sqlite_url,
            server.port,
            security=security,
            username="monitor@calcot.example",
            password_env="MONITOR_SMTP_PASSWORD",
        )
        with Store.open(sqlite_url) as store:
            with store.transaction() as tx:
                alert = raise_alert(tx, "abusive", add_mention(tx, "a"))
                queue_urgent(tx, config, [alert], NOW)
            report = dispatch(store, config, NOW)
    finally:
        server.stop()
    assert report.sent == 1, report.errors
    assert server.handler.logins == [("monitor@calcot.example", PASSWORD)]
    assert len(server.received) == 1


def test_an_untrusted_certificate_is_refused_and_retried(tmp_path: Path, sqlite_url: str) -> None:
    certificate = self_signed_certificate(tmp_path)
    server = SmtpServer(tls="starttls", certificate=certificate).start()
    try:
        config = mail_config(tmp_path, sqlite_url, server.port, security="starttls")
        with Store.open(sqlite_url) as store:
            with store.transaction() as tx:
                queue_urgent(tx, config, [raise_alert(tx, "abusive", add_mention(tx, "a"))], NOW)
            report = dispatch(store, config, NOW)
    finally:
        server.stop()
    assert report.retrying == 1 and "CERTIFICATE_VERIFY_FAILED" in report.errors[0]
    assert server.received == []
