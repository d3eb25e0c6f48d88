"""The web page served for real in tests: uvicorn on 127.0.0.1 in a thread, a settable clock,
a SQLite file, users, and the sign-in mail read from a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import uvicorn

from monitor.config.settings import Config
from monitor.model import Role
from monitor.web.app import create_app
from storage import users
from storage.database import Store
from tests.configs import write_config
from tests.mail.conftest import email_table
from tests.mail.smtpd import Received, SmtpServer, free_port

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/login/[A-Za-z0-9_-]+)")
CODE = re.compile(r"this code on the page where you asked to sign in: (\d{6})")


class Clock:
    """UTC now, moved on by the test (for expiry), never by itself."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def web_config_file(directory: Path, port: int, smtp_port: int, **web: str) -> Path:
    """A config.toml with [email] to the test SMTP server and [web] on 127.0.0.1:port."""
    web = {"base_url": f"http://127.0.0.1:{port}", **web}
    keys = "".join(f'{key} = "{value}"\n' for key, value in web.items())
    extra = email_table(smtp_port) + "[web]\n" + keys
    return write_config(
        directory, storage_url=f"sqlite:///{directory / 'monitor.db'}", sources={}, extra=extra
    )


def add_user(store: Store, email: str, role: Role, name: str | None = None) -> None:
    """A user who may sign in."""
    with store.transaction() as tx:
        users.add_or_update(tx, email, name=name, role=role, now=NOW)


@contextmanager
def served(config: Config, store: Store, port: int, clock: Clock | None = None) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1:port in a thread; yields its base URL."""
    app = create_app(config, store, clock)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def wait_for_mail(smtp: SmtpServer, count: int) -> Received:
    """The `count`-th message the SMTP server accepted, once it has arrived (up to 20 s)."""
    deadline = time.monotonic() + 20
    while len(smtp.received) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"mail {count} did not arrive; {len(smtp.received)} did")
        time.sleep(0.02)
    return smtp.received[count - 1]


@dataclass(frozen=True)
class SignInMail:
    """What a sign-in mail holds."""

    to: str
    link: str
    code: str


def read_sign_in(mail: Received) -> SignInMail:
    """The link and code of a sign-in mail."""
    text = mail.part("plain")
    link, code = LINK.search(text), CODE.search(text)
    assert link and code, text
    return SignInMail(str(mail.message["To"]), link[1], code[1])


def form_token(html: str) -> str:
    """The CSRF token in a page's first form."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found[1]


def sign_in(client: httpx.Client, smtp: SmtpServer, email: str, next_path: str = "") -> str:
    """Sign `client` in as `email` by the mailed link; the session's CSRF token."""
    page = client.get("/login" + (f"?next={next_path}" if next_path else ""))
    before = len(smtp.received)
    client.post(
        "/login", data={"csrf": form_token(page.text), "email": email, "next": next_path or ""}
    )
    mail = read_sign_in(wait_for_mail(smtp, before + 1))
    button = client.get(mail.link)
    done = client.post(mail.link, data={"csrf": form_token(button.text)})
    assert done.status_code == 303, done.text
    return form_token(client.get("/alerts").text)


__all__ = ["free_port"]
