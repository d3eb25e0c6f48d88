"""Outbox rows into email messages: one-line headers, a Message-ID fixed when the row was made.

Every header value built from scraped text passes through `header_text`:
- control characters (CR, LF, the rest of C0 and C1, line and paragraph separators) become
  spaces: a scraped title holding "\\r\\nBcc: someone" stays part of the subject's text;
- invisible format characters (bidi overrides and isolates, zero-width spaces and joiners, the
  BOM, soft hyphens: Unicode category Cf) are removed: they can make a subject read backwards
  or hide words from a filter;
- "=?" becomes "= ?": no encoded word survives. Python before 3.11.10 decodes an encoded word
  in a header value it is given and writes a decoded line break out as is (CVE-2024-6923), so
  "=?utf-8?q?=0AReply-To:_a@evil.example?=" in a title became a Reply-To header.
"""

from __future__ import annotations

import email.policy
import re
import unicodedata
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from storage.outbox import OutboxMessage

SUBJECT_LENGTH = 140
# Lines up to RFC 5322's 998 characters: the stdlib would otherwise fold a 70-character subject
# onto a line of its own after "Subject:", which some clients show with a leading space.
HEADER_POLICY = email.policy.default.clone(max_line_length=998)


def header_text(text: str, limit: int = SUBJECT_LENGTH) -> str:
    """`text` safe as a header: one line, nothing invisible, no encoded word, cut to `limit`."""
    kept = "".join(
        " " if category in ("Cc", "Zl", "Zp") else character
        for character in text
        if (category := unicodedata.category(character)) != "Cf"
    )
    # After the removals above: "=\u200b?" must not become an encoded word's opening.
    flat = " ".join(kept.split()).replace("=?", "= ?")
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def new_message_id(sender: str, kind: str) -> str:
    """A fresh, globally unique Message-ID in the sender's domain: `<hex.kind@domain>`."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    safe_domain = re.sub(r"[^A-Za-z0-9.-]", "", domain) or "localhost"
    return f"<{uuid.uuid4().hex}.{re.sub(r'[^a-z]', '', kind)}@{safe_domain}>"


def build_email(row: OutboxMessage, sender: str) -> EmailMessage:
    """The message for an outbox row: the same headers and bodies however often it is sent."""
    message = EmailMessage(policy=HEADER_POLICY)
    message["From"] = header_text(sender, 300)
    message["To"] = ", ".join(header_text(address, 300) for address in row.recipients)
    message["Subject"] = header_text(row.subject)
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = row.message_id
    # RFC 3834: no out-of-office replies to a robot's mail.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(row.body_text)
    if row.body_html is not None:
        message.add_alternative(row.body_html, subtype="html")
    return message
