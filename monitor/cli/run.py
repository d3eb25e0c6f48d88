"""`monitor run`: the daemon (under systemd: Type=notify, watchdog; see deploy/monitor.service).

`build_jobs` turns the library into the daemon's jobs; `mail_functions` is the one place that
names the mail package (outbox dispatch, digest, urgent queue).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import click

from monitor import logs
from monitor.cli.common import Context, handles_errors, http_client, open_store
from monitor.config.settings import Config
from monitor.judgement.health import raise_health_alerts
from monitor.mail.delivery import dispatch
from monitor.mail.digest import send_digest_if_due
from monitor.mail.urgent import is_mailed_at_once, queue_urgent
from monitor.model import Alert
from monitor.scan.scanner import ScanReport, run_scan
from monitor.service import systemd
from monitor.service.daemon import Clock, Daemon, Jobs
from monitor.service.retention import purge
from sources.http import PoliteClient
from storage.database import Store, Transaction

log = logging.getLogger("monitor.run")

StoreJob = Callable[[Store, Config, datetime], object]
QueueUrgent = Callable[[Transaction, Config, Sequence[Alert], datetime], object]


@click.command()
@click.pass_obj
@handles_errors
def run(obj: Context) -> None:
    """Run as a service: poll, mail, digest and purge on schedule."""
    logs.configure(
        verbose=obj.verbose, quiet=obj.quiet, service=True, stamped=not systemd.under_journald()
    )
    config = obj.config()
    with open_store(config) as store:  # open and migrated before READY=1
        asyncio.run(serve(config, store))
    log.info("stopped")
    sys.exit(0)


async def serve(config: Config, store: Store, clock: Clock | None = None) -> None:
    """Run the daemon until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    now = clock or (lambda: datetime.now(UTC))
    async with http_client(config) as http:
        jobs = build_jobs(config, store, http, now, mail_functions(config))
        schedule = config.email.digest_schedule if config.email is not None else None
        daemon = Daemon(jobs, config.school.zone, digest_schedule=schedule, clock=now)
        await daemon.run(stop)


@dataclass(frozen=True, slots=True)
class MailFunctions:
    """The mail package's entry points, as the daemon calls them."""

    dispatch: StoreJob  # send pending outbox rows
    send_digest_if_due: StoreJob  # queue the digest when its window has closed
    queue_urgent: QueueUrgent  # outbox rows for new urgent (and source_health) alerts


def mail_functions(config: Config) -> MailFunctions:
    """The mail jobs: the mail package's, or none at all when [email] is not configured."""
    if config.email is None:
        log.info("mail: no [email] table in the config; nothing will be mailed")
        return MailFunctions(no_mail, no_mail, no_queue)
    return MailFunctions(dispatch, send_digest_if_due, queue_urgent)


def no_mail(store: Store, config: Config, now: datetime) -> None:
    """Mail nothing: [email] is not configured."""


def no_queue(tx: Transaction, config: Config, alerts: Sequence[Alert], now: datetime) -> None:
    """Queue nothing: [email] is not configured."""


def build_jobs(
    config: Config, store: Store, http: PoliteClient, clock: Clock, mail: MailFunctions
) -> Jobs:
    """The daemon's jobs over this config, store and client."""

    async def poll(now: datetime) -> None:
        report = await run_scan(config, store, http, clock, due_only=True, trigger="scheduled")
        log_report(report)  # run_scan has evaluated source health and queued its mail
        if any(is_mailed_at_once(alert) for alert in report.new_alerts):
            # Urgent mail goes now, not at the next minute's dispatch.
            await in_thread(mail.dispatch, store, config, clock())

    async def dispatch(now: datetime) -> None:
        await in_thread(mail.dispatch, store, config, now)

    async def digest(now: datetime) -> None:
        await in_thread(mail.send_digest_if_due, store, config, now)

    async def purge_expired(now: datetime) -> None:
        await asyncio.to_thread(purge, store, config, now)

    async def health(now: datetime) -> None:
        await asyncio.to_thread(check_health, store, config, now, mail.queue_urgent)

    return Jobs(poll=poll, dispatch=dispatch, digest=digest, purge=purge_expired, health=health)


def check_health(store: Store, config: Config, now: datetime, queue: QueueUrgent) -> list[Alert]:
    """Raise the source-health alerts due now (stale sources) and queue their mail."""
    return raise_health_alerts(
        store, config, None, now, lambda tx, raised, at: queue(tx, config, raised, at)
    )


async def in_thread(function: Callable[..., object], *args: Any) -> None:
    """Run a blocking function in a thread (awaiting its result if it was a coroutine)."""
    result = await asyncio.to_thread(function, *args)
    if inspect.isawaitable(result):
        await result


def log_report(report: ScanReport) -> None:
    """One line per polled source, then one for the tick (names and counts, never text)."""
    for outcome in report.outcomes:
        if outcome.status == "ok":
            log.info(
                "source %s: ok, %d fetched, %d new, %d updated%s",
                outcome.name,
                outcome.fetched,
                outcome.new,
                outcome.updated,
                " (baseline)" if outcome.baseline else "",
            )
        elif outcome.status != "failed":  # failures are logged by the scan itself
            log.info("source %s: %s: %s", outcome.name, outcome.status, outcome.error)
    if report.outcomes:
        new = sum(outcome.new for outcome in report.outcomes)
        failed = sum(outcome.status == "failed" for outcome in report.outcomes)
        log.info("poll: %d sources, %d new mentions, %d failed", len(report.outcomes), new, failed)
    systemd.notify(
        f"STATUS=last poll {datetime.now(UTC):%H:%M} UTC: {len(report.outcomes)} sources"
    )
