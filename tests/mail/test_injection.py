"""Hostile scraped text stays text: no markup, no script links, no extra headers, in any mail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.config import Config
from monitor.delivery import dispatch
from monitor.mail.digest import send_now
from monitor.mail.render import safe_link
from monitor.mail.urgent import queue_urgent
from storage.database import Store
from tests.mail.conftest import NOW, add_mention, raise_alert
from tests.mail.smtpd import SmtpServer

TITLE = "<script>alert(1)</script> Calcot\r\nBcc: victim@evil.example"
TEXT = 'Calcot is great" onmouseover="alert(1)" <img src=x onerror=alert(2)>'
URLS = [
    "java\tscript:alert(1)",
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    'https://example.org/" onmouseover="alert(1)',
    "//evil.example/no-scheme",
]
PAYLOADS = ["<script", '" onmouseover=', "java\tscript", "javascript:", "data:", "<img"]


@pytest.mark.parametrize("url", URLS)
def test_only_plain_http_links_are_kept(url: str) -> None:
    assert safe_link(url) is None


def test_safe_links_pass() -> None:
    assert (
        safe_link("https://www.mumsnet.com/talk/x?a=1&b=2")
        == "https://www.mumsnet.com/talk/x?a=1&b=2"
    )
    assert safe_link("http://example.org/") == "http://example.org/"


def test_payloads_are_absent_from_received_html_and_headers(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    with store.transaction() as tx:
        raised = []
        for number, url in enumerate(URLS):
            mention = add_mention(
                tx, f"bad{number}", title=TITLE, text=TEXT, url=url, author=TITLE, words=(TITLE,)
            )
            raised.append(raise_alert(tx, "abusive", mention, summary=TITLE, source="mumsnet"))
        queue_urgent(tx, config, raised, NOW)
    dispatch(store, config, NOW)
    send_now(store, config, NOW + timedelta(minutes=1))

    assert len(smtp_server.received) == 2  # the urgent mail and the digest
    for mail in smtp_server.received:
        assert "victim@evil.example" not in mail.rcpt_tos
        message = mail.message
        assert message["Bcc"] is None
        headers = mail.raw.split(b"\r\n\r\n", 1)[0]
        assert b"\nBcc:" not in headers and b"\rBcc:" not in headers
        assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
        html = mail.part("html")
        for payload in PAYLOADS:
            assert payload not in html, payload
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, not dropped
        assert "href=" not in html  # none of the links is a plain http(s) URL
