"""Hostile scraped text stays text: no markup, no script links, no extra headers, in any mail."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta
from html import escape as html_escape

import pytest

from monitor.config.settings import Config
from monitor.mail.compose import header_text
from monitor.mail.delivery import dispatch
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


# CVE-2024-6923: Python before 3.11.10 decodes an encoded word in a header value it is given
# and writes the decoded line break out as is, so this title became a header of its own.
ENCODED_WORD_TITLE = "Calcot grooming =?utf-8?q?=0AReply-To:_a@evil.example?="
INVISIBLE = (
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"  # bidi
    "\u200b\u200c\u200d\u2060\ufeff"  # zero width
    "\x00\x07\x1b\x7f\x85\x9b"  # C0, DEL, C1
)


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        (ENCODED_WORD_TITLE, "'Calcot grooming = ?utf-8?q?=0AReply-To:_a@evil.example?='"),
        (
            f"\u202egnissim\u202c Mrs\u200b Ex\u2066ample\x1b[31m {ENCODED_WORD_TITLE}",
            "'gnissim Mrs Example[31m Calcot grooming = ?utf-8?q?=0AReply-To:",  # then cut
        ),
    ],
)
def test_an_encoded_word_in_a_title_adds_no_header_and_invisible_controls_are_gone(
    store: Store, config: Config, smtp_server: SmtpServer, title: str, shown: str
) -> None:
    with store.transaction() as tx:
        mention = add_mention(tx, "enc", source="news", source_type="feed", title=title)
        summary = f"safeguarding words: 'grooming'; '{title}'"
        alert = raise_alert(tx, "safeguarding", mention, summary=summary, source="news")
        queue_urgent(tx, config, [alert], NOW)
    assert dispatch(store, config, NOW).sent == 1

    [mail] = smtp_server.received
    message = email.message_from_bytes(mail.raw, policy=email.policy.default)
    assert message["Reply-To"] is None
    assert b"\nReply-To:" not in mail.raw.split(b"\r\n\r\n", 1)[0]
    subject = str(message["Subject"])
    left = set(INVISIBLE) & set(subject)
    assert not left, sorted(hex(ord(character)) for character in left)
    assert "\n" not in subject and "\r" not in subject
    # The words stay readable: only the encoded word's opening is broken.
    assert shown in subject


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=?utf-8?q?=0ABcc:_x@evil.example?=", "= ?utf-8?q?=0ABcc:_x@evil.example?="),
        ("=\u200b?utf-8?b?CkJjYzog?=", "= ?utf-8?b?CkJjYzog?="),  # joined only once stripped
        ("==??", "== ??"),
        ("a\r\nBcc: b", "a Bcc: b"),
        ("\u202eevil\u202c \ufeffname\u00ad", "evil name"),
        ("café 😀 naïve", "café 😀 naïve"),
    ],
)
def test_header_text(text: str, expected: str) -> None:
    assert header_text(text) == expected


@pytest.mark.parametrize(
    ("url", "text", "host"),
    [
        (
            "http://calcot.example@evil.example/",
            "http://calcot.example@evil.example/",
            "evil.example",
        ),
        (
            "https://user:pa55@evil.example/x?a=1",
            "https://user:***@evil.example/x?a=1",
            "evil.example",
        ),
        ("https://@evil.example/", "https://@evil.example/", "evil.example"),
        ("https://a@b@evil.example:8443/", "https://a@b@evil.example:8443/", "evil.example"),
    ],
)
def test_a_url_with_user_info_is_text_naming_its_real_host(
    store: Store, config: Config, smtp_server: SmtpServer, url: str, text: str, host: str
) -> None:
    assert safe_link(url) is None
    with store.transaction() as tx:
        mention = add_mention(tx, "look-alike", url=url)
        queue_urgent(tx, config, [raise_alert(tx, "abusive", mention)], NOW)
    dispatch(store, config, NOW)

    [mail] = smtp_server.received
    html, plain = mail.part("html"), mail.part("plain")
    assert "href=" not in html
    assert (
        f'the address hides its real host, <strong style="color:#222222;">{host}</strong>' in html
    )
    assert f"{html_escape(text)}</div>" in html
    line = f"  not a link: the address hides its real host, {host}: {text}"
    assert line in plain.splitlines()
    assert "pa55" not in html and "pa55" not in plain


# C0 and C1 controls and Unicode's line and paragraph separators: each ends a line for some
# reader (str.splitlines, a mail client) or drives the terminal that shows a header.
CONTROLS = "\x00\x07\x0b\x0c\x1b\x1c\x1d\x1e\x1f\x7f\x85\x9b\u2028\u2029"


def test_control_characters_of_a_title_reach_no_header(
    store: Store, config: Config, smtp_server: SmtpServer
) -> None:
    title = "Calcot" + "".join(f"{char}part{n}" for n, char in enumerate(CONTROLS))
    with store.transaction() as tx:
        mention = add_mention(tx, "controls", title=title)
        alert = raise_alert(tx, "staff_named", mention, summary=f"names Mrs Rose in {title}")
        queue_urgent(tx, config, [alert], NOW)
    dispatch(store, config, NOW)

    [mail] = smtp_server.received
    message = mail.message
    for name, value in message.items():
        found = sorted({char for char in str(value) if char in CONTROLS})
        assert not found, (name, found)
    raw_headers = mail.raw.split(b"\r\n\r\n", 1)[0].decode("utf-8")
    assert not any(char in CONTROLS for char in raw_headers)
    # Only the controls went: every word of the title is still in the subject, in order.
    subject = message["Subject"]
    assert subject.startswith("[Urgent] staff_named · mumsnet: names Mrs Rose in Calcot")
    assert re.findall(r"part\d+", subject) == [f"part{n}" for n in range(len(CONTROLS))]


@pytest.mark.parametrize("char", list(CONTROLS + "\r\n\t"), ids=ascii)
def test_header_text_turns_every_control_character_into_a_space(char: str) -> None:
    # Text that reaches a header without passing storage (which drops C0 controls) too.
    assert header_text(f"Calcot{char}{char}Junior\r\nBcc: x") == "Calcot Junior Bcc: x"
