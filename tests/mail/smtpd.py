"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it accepts and answers as told."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    """One message the server accepted, as it arrived."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        """The parsed message."""
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def part(self, subtype: str) -> str:
        """The decoded text/<subtype> body."""
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None and body.get_content_type() == f"text/{subtype}"
        content = body.get_content()
        assert isinstance(content, str)
        return content


@dataclass
class ScriptedHandler:
    """Answers DATA with the scripted replies in turn (then 250), keeping what it accepts."""

    replies: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    on_data: Callable[[], None] | None = None
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = self.replies.pop(0) if self.replies else "250 Message accepted"
        if reply.startswith("250"):
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        if self.on_data is not None:
            self.on_data()
        return reply

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append((data.login.decode(), data.password.decode()))
            # handled=False: aiosmtpd itself then answers 535 to a wrong password.
            return AuthResult(success=data.password == b"s3cret-smtp-pass-9911", handled=False)
        return AuthResult(success=False, handled=False)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by the openssl command."""
    certificate, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody is listening on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class SmtpServer:
    """The server: `handler` scripts it and holds what it received."""

    def __init__(
        self,
        *,
        with_auth: bool = False,
        tls: str | None = None,
        certificate: tuple[Path, Path] | None = None,
    ) -> None:
        self.handler = ScriptedHandler()
        self.port = free_port()
        options: dict[str, Any] = {}
        if with_auth:
            # aiosmtpd counts only STARTTLS as TLS; with implicit TLS the whole socket is already.
            options = {
                "authenticator": self.handler.authenticate,
                "auth_require_tls": tls == "starttls",
            }
        if tls is not None:
            assert certificate is not None
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*certificate)
            if tls == "starttls":
                options.update(tls_context=context, require_starttls=True)
            else:
                options.update(ssl_context=context)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received
