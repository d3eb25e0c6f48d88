"""`monitor mail flush` and `monitor mail test`: send the outbox now; check the SMTP set-up."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from monitor.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Context,
    fail,
    handles_errors,
    open_store,
)
from monitor.config.settings import Config, EmailConfig
from storage.database import Store


def email_settings(config: Config) -> EmailConfig:
    """The [email] table, or exit 2 saying it is missing."""
    if config.email is None:
        fail("no [email] table in the config: mail is off (see README, [email])", EXIT_USAGE)
    return config.email


@click.group()
def mail() -> None:
    """Send what the outbox holds, or a test message."""


@mail.command()
@click.pass_obj
@handles_errors
def flush(obj: Context) -> None:
    """Send what the outbox holds now, retrying deferred mail without waiting."""
    config = obj.config()
    email_settings(config)
    with open_store(config) as store:
        ok = send_pending(config, store, retry_deferred=True)
    sys.exit(EXIT_OK if ok else EXIT_FAILED)


@mail.command()
@click.option("--to", "recipient", metavar="ADDRESS", help="Send to this address, not to `to`.")
@click.pass_obj
@handles_errors
def test(obj: Context, recipient: str | None) -> None:
    """Send a test message to check the SMTP settings."""
    from monitor.mail.probe import send_test

    settings = email_settings(obj.config())
    recipients = (recipient,) if recipient else settings.to
    error = send_test(obj.config(), recipients, datetime.now(UTC))
    if error is not None:
        fail(f"test message not sent: {error}")
    click.echo(f"test message sent to {', '.join(recipients)} via {settings.smtp_host}")


def send_pending(config: Config, store: Store, *, retry_deferred: bool = False) -> bool:
    """Send due mail (deferred mail too if asked), problems on stderr; False if one failed."""
    from monitor.mail.delivery import dispatch, flush

    send = flush if retry_deferred else dispatch
    report = send(store, config, datetime.now(UTC))
    for line in report.errors:
        click.echo(f"monitor: mail: {line}", err=True)
    if report.sent:
        click.echo(f"mail: sent {report.sent} message(s)", err=True)
    return not report.errors
