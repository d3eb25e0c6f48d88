"""Outbox rows into email messages: one-line headers, a Message-ID fixed when the row was made.

Everything put in a header passes through `one_line`, which removes CR, LF and other control
characters: a scraped title holding "\\r\\nBcc: someone" stays part of the subject's text.
"""

from __future__ import annotations

import email.policy
import re
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from storage.outbox import OutboxMessage

SUBJECT_LENGTH = 140
# Lines up to RFC 5322's 998 characters: the stdlib would otherwise fold a 70-character subject
# onto a line of its own after "Subject:", which some clients show with a leading space.
HEADER_POLICY = email.policy.default.clone(max_line_length=998)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str, limit: int = SUBJECT_LENGTH) -> str:
    """`text` safe for a header: control characters (CR, LF, …) become spaces, cut to `limit`."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def new_message_id(sender: str, kind: str) -> str:
    """A fresh, globally unique Message-ID in the sender's domain: `<hex.kind@domain>`."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    safe_domain = re.sub(r"[^A-Za-z0-9.-]", "", domain) or "localhost"
    return f"<{uuid.uuid4().hex}.{re.sub(r'[^a-z]', '', kind)}@{safe_domain}>"


def build_email(row: OutboxMessage, sender: str) -> EmailMessage:
    """The message for an outbox row: the same headers and bodies however often it is sent."""
    message = EmailMessage(policy=HEADER_POLICY)
    message["From"] = one_line(sender, 300)
    message["To"] = ", ".join(one_line(address, 300) for address in row.recipients)
    message["Subject"] = one_line(row.subject)
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = row.message_id
    # RFC 3834: no out-of-office replies to a robot's mail.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(row.body_text)
    if row.body_html is not None:
        message.add_alternative(row.body_html, subtype="html")
    return message
