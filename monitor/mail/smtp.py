"""Hand a message to the SMTP server: STARTTLS, implicit TLS or none; login when configured.

    send(settings, message) -> note | None      accepted (a note if some recipients were refused)
    SendError(text, permanent)                  not accepted: permanent for a 5xx answer

A 4xx answer, a dropped connection, a timeout or a TLS failure is worth retrying; a 5xx answer
to the sender, the recipients or the message is not. A refused login is retried too (the
password may be fixed meanwhile) and says so. The password is revealed only to `login`; error
texts carry the server's answer, never what we sent.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import parseaddr

from monitor.config.secrets import SecretError, redact
from monitor.config.settings import EmailConfig

TIMEOUT = 30.0  # seconds per socket operation


class SendError(Exception):
    """The server did not accept the message; `permanent` when retrying cannot help."""

    def __init__(self, text: str, *, permanent: bool) -> None:
        super().__init__(redact(text))
        self.permanent = permanent


def send(settings: EmailConfig, message: EmailMessage, recipients: Sequence[str]) -> str | None:
    """Send `message` to `recipients`; a note naming refused recipients, if any were."""
    try:
        client = connect(settings)
    except (smtplib.SMTPException, OSError) as error:
        reason = f"cannot reach {settings.smtp_host}: {describe(error)}"
        raise SendError(reason, permanent=False) from None
    try:
        refused = deliver(client, settings, message, recipients)
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            pass  # the message's fate was settled before QUIT; a dropped goodbye changes nothing
    if refused:
        listed = "; ".join(f"{address}: {code}" for address, (code, _) in refused.items())
        return f"accepted, but refused for {listed}"
    return None


def connect(settings: EmailConfig) -> smtplib.SMTP:
    """A connected client, TLS set up as configured."""
    context = ssl.create_default_context()
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=TIMEOUT, context=context
        )
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT)
    if settings.security == "starttls":
        try:
            client.starttls(context=context)
        except BaseException:
            client.close()
            raise
    return client


def deliver(
    client: smtplib.SMTP,
    settings: EmailConfig,
    message: EmailMessage,
    recipients: Sequence[str],
) -> dict[str, tuple[int, bytes]]:
    """Log in if configured and send; the recipients refused while others were accepted."""
    try:
        if settings.username:
            password = settings.password()
            client.login(settings.username, password.reveal() if password else "")
        return client.send_message(
            message,
            from_addr=settings.sender_address,
            to_addrs=[parseaddr(address)[1] for address in recipients],
        )
    except SecretError as error:
        # The password file changed since start (its mode loosened, say): retried once fixed.
        raise SendError(f"SMTP password not read: {error}", permanent=False) from None
    except smtplib.SMTPAuthenticationError as error:
        raise SendError(
            f"login refused ({error.smtp_code}): check [email] username and password",
            permanent=False,
        ) from None
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        raise SendError(
            "every recipient refused: "
            + "; ".join(
                f"{to}: {code} {text_of(answer)}" for to, (code, answer) in error.recipients.items()
            ),
            permanent=all(500 <= code < 600 for code in codes),
        ) from None
    except smtplib.SMTPResponseException as error:
        raise SendError(
            f"refused: {error.smtp_code} {text_of(error.smtp_error)}",
            permanent=500 <= error.smtp_code < 600,
        ) from None
    except (smtplib.SMTPException, OSError) as error:
        raise SendError(f"connection lost: {describe(error)}", permanent=False) from None


def text_of(answer: bytes | str) -> str:
    """A server answer as one line of text."""
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
    return " ".join(text.split())


def describe(error: BaseException) -> str:
    """One line for a connection-level error."""
    return " ".join(str(error).split()) or type(error).__name__
