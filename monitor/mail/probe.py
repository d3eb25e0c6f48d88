"""`monitor mail test`: one message straight to the SMTP server, to check the settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from monitor.config.settings import Config
from monitor.mail import smtp
from monitor.mail.compose import build_email, new_message_id
from monitor.model import OutboxKind, OutboxStatus
from storage.outbox import OutboxMessage


def send_test(config: Config, recipients: Sequence[str], now: datetime) -> str | None:
    """Send a test message to `recipients` now; the error text, or None once accepted."""
    assert config.email is not None
    row = OutboxMessage(
        id=0,
        kind=OutboxKind.URGENT,
        idempotency_key="test",
        message_id=new_message_id(config.email.sender, "test"),
        recipients=tuple(recipients),
        subject=f"{config.school.name}: test message from the reputation monitor",
        body_text=(
            "This is a test message from the reputation monitor.\n\n"
            "If you can read it, urgent alerts and the digest can reach this address.\n"
        ),
        body_html=None,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=None,
        last_error=None,
        created_at=now,
        sent_at=None,
        lease_owner=None,
        lease_until=None,
    )
    try:
        smtp.send(config.email, build_email(row, config.email.sender), row.recipients)
    except smtp.SendError as error:
        return str(error)
    return None
