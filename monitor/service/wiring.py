"""The daemon's wiring: the library's functions made into the poller and the daemon's jobs.

    serve(config, store, http_client)         `monitor run`: until SIGTERM or SIGINT
    build_daemon(config, store, http, clock, mail) -> Daemon

`mail_functions` is the one place that names the mail package (outbox dispatch, digest, urgent
queue); without an [email] table nothing is mailed.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from monitor.config.settings import Config
from monitor.judgement.health import raise_health_alerts
from monitor.mail.delivery import dispatch
from monitor.mail.digest import send_digest_if_due
from monitor.mail.urgent import is_mailed_at_once, queue_urgent
from monitor.model import Alert
from monitor.scan.report import ScanReport
from monitor.service import systemd
from monitor.service.daemon import Clock, Daemon, Jobs
from monitor.service.poller import Poller, PollerTiming
from monitor.service.retention import purge
from monitor.service.slots import JobSlots
from sources.http import PoliteClient
from storage.database import Store, Transaction

log = logging.getLogger("monitor.run")

StoreJob = Callable[[Store, Config, datetime], object]
QueueUrgent = Callable[[Transaction, Config, Sequence[Alert], datetime], object]


async def serve(
    config: Config,
    store: Store,
    http_client: Callable[[Config], PoliteClient],
    clock: Clock | None = None,
) -> None:
    """Run the daemon until SIGTERM or SIGINT, with the client `http_client` makes."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    now = clock or (lambda: datetime.now(UTC))
    async with http_client(config) as http:
        daemon = build_daemon(config, store, http, now, mail_functions(config))
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


def build_daemon(
    config: Config,
    store: Store,
    http: PoliteClient,
    clock: Clock,
    mail: MailFunctions,
    timing: PollerTiming | None = None,
) -> Daemon:
    """The daemon over this config, store and client: its poller, its jobs, its job slots."""
    poller = build_poller(config, store, http, clock, mail, timing)
    schedule = config.email.digest_schedule if config.email is not None else None
    return Daemon(
        build_jobs(config, store, mail),
        config.school.zone,
        digest_schedule=schedule,
        clock=clock,
        poller=poller,
        slots=JobSlots(store, poller.owner),
    )


def build_poller(
    config: Config,
    store: Store,
    http: PoliteClient,
    clock: Clock,
    mail: MailFunctions,
    timing: PollerTiming | None = None,
) -> Poller:
    """The per-source poller; urgent mail it raised goes at once, not at the next dispatch."""

    async def settled(report: ScanReport) -> None:
        log_report(report)  # the scan has evaluated source health and queued its mail
        if any(is_mailed_at_once(alert) for alert in report.new_alerts):
            await in_thread(mail.dispatch, store, config, clock())

    return Poller(config, store, http, clock, timing=timing, on_settled=settled)


def build_jobs(config: Config, store: Store, mail: MailFunctions) -> Jobs:
    """The daemon's jobs besides polling, over this config and store."""

    async def dispatch(now: datetime) -> None:
        await in_thread(mail.dispatch, store, config, now)

    async def digest(now: datetime) -> None:
        await in_thread(mail.send_digest_if_due, store, config, now)

    async def purge_expired(now: datetime) -> None:
        await asyncio.to_thread(purge, store, config, now)

    async def health(now: datetime) -> None:
        await asyncio.to_thread(check_health, store, config, now, mail.queue_urgent)

    return Jobs(dispatch=dispatch, digest=digest, purge=purge_expired, health=health)


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
    """One line per polled source, then one for the batch (names and counts, never text)."""
    for outcome in report.outcomes:
        if outcome.status == "ok":
            if not (outcome.new or outcome.updated or outcome.baseline):
                continue  # thousands of idle polls a minute say nothing worth a line each
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
        log.debug(
            "polls: %d sources, %d new mentions, %d failed", len(report.outcomes), new, failed
        )
    systemd.notify(
        f"STATUS=last polls {datetime.now(UTC):%H:%M:%S} UTC: {len(report.outcomes)} sources"
    )
