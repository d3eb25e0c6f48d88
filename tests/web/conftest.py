"""Fixtures for the web page: a served app with a SQLite file, an SMTP server and users."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from monitor.config.settings import Config, load
from monitor.model import Role, Severity
from storage.database import Store
from tests.mail.conftest import add_mention, raise_alert
from tests.mail.smtpd import SmtpServer, free_port
from tests.web.served import NOW, Clock, add_user, served, sign_in, web_config_file

SLT = "head@calcot.example"
DSL = "dsl@calcot.example"
ADMIN = "it@calcot.example"


@dataclass
class Site:
    """A served app and what a test needs to drive and inspect it."""

    url: str
    config: Config
    config_path: Path
    store: Store
    smtp: SmtpServer
    clock: Clock
    alert_ids: dict[str, int]
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> httpx.Client:
        """A fresh browser-like client (its own cookies), not following redirects."""
        client = httpx.Client(base_url=self.url, follow_redirects=False, timeout=20)
        self.clients.append(client)
        return client

    def signed_in(self, email: str = SLT, next_path: str = "") -> tuple[httpx.Client, str]:
        """A client signed in as `email` by the mailed link, and its CSRF token."""
        client = self.client()
        return client, sign_in(client, self.smtp, email, next_path)


def seed(store: Store) -> dict[str, int]:
    """Users of each role, and alerts: a negative post, a low rating, a safeguarding post."""
    add_user(store, SLT, Role.SLT, "Mrs Head")
    add_user(store, DSL, Role.DSL, "Mr Safe")
    add_user(store, ADMIN, Role.ADMIN)
    with store.transaction() as tx:
        negative = add_mention(tx, "p1", text="The new car park is a shambles, awful.")
        review = add_mention(
            tx,
            "r1",
            source="google",
            source_type="google_business",
            item_type="review",
            text="Poor communication.",
            rating=2.0,
            url="https://maps.google.com/r1",
        )
        worrying = add_mention(
            tx,
            "p2",
            text="A child in year 4 told me something worrying about a teacher.",
        )
        ids = {
            "negative": raise_alert(tx, "negative", negative, severity=Severity.NORMAL).id,
            "low_rating": raise_alert(
                tx, "low_rating", review, severity=Severity.HIGH, source="google"
            ).id,
            "safeguarding": raise_alert(
                tx, "safeguarding", worrying, summary="safeguarding words: worrying about a teacher"
            ).id,
        }
    return ids


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server receiving the sign-in mail."""
    server = SmtpServer().start()
    yield server
    server.stop()


def make_site(tmp_path: Path, smtp: SmtpServer, **web: str) -> Iterator[Site]:
    port = free_port()
    path = web_config_file(tmp_path, port, smtp.port, **web)
    config = load(path)
    clock = Clock(NOW)
    with Store.open(config.storage.url) as store:
        ids = seed(store)
        with served(config, store, port, clock) as url:
            site = Site(url, config, path, store, smtp, clock, ids)
            try:
                yield site
            finally:
                for client in site.clients:
                    client.close()


@pytest.fixture
def site(tmp_path: Path, smtp: SmtpServer) -> Iterator[Site]:
    """The page served on 127.0.0.1 with seeded users and alerts."""
    yield from make_site(tmp_path, smtp)
