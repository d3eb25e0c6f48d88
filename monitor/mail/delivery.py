"""Send what the outbox holds: at least once, and never twice except after a crash.

    dispatch(store, config, now) -> DispatchReport   the daemon's minute job: due rows only
    flush(store, config, now) -> DispatchReport      by hand: deferred rows too, now

For each due row: take it with a lease (a second dispatcher skips it), hand it to the SMTP
server, then record the outcome, still holding the lease. `sent` is written only after the
server accepted the message; if the process dies in between, the row stays `sending` until its
lease expires and the next dispatch sends it again, with the same Message-ID (fixed when the
row was made), so a mail client shows it once. A retryable failure (4xx, connection) puts the
row back with a doubling delay; a 5xx rejection, or MAX_ATTEMPTS tries, marks it `failed`,
which `monitor status` reports. A flush by hand (`monitor mail flush`, as `postqueue -f`)
first makes the deferred rows due, so an operator who fixed the server need not wait out the
back-off; quiet hours still hold what they hold.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.config.secrets import redact
from monitor.config.settings import Config
from monitor.mail import smtp
from monitor.mail.compose import build_email
from monitor.scan.leases import lease_owner
from storage import outbox
from storage.database import Store
from storage.outbox import OutboxMessage

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # far longer than one SMTP conversation (30 s per operation)
FIRST_RETRY = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 30  # with the delays above: about a day of trying
BATCH = 100  # rows per dispatch; the daemon calls again a minute later


class MailNotConfiguredError(Exception):
    """There is no [email] table in the config."""


@dataclass
class DispatchReport:
    """What one dispatch did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: one minute, doubling, at most an hour."""
    delay: timedelta = FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 10))
    return min(delay, RETRY_CAP)


def dispatch(store: Store, config: Config, now: datetime, *, limit: int = BATCH) -> DispatchReport:
    """Send the due outbox rows (pending, or abandoned by a dispatcher that died)."""
    if config.email is None:
        raise MailNotConfiguredError("no [email] table in the config: mail cannot be sent")
    owner = lease_owner()  # as a scan's: host, process id, a random part
    report = DispatchReport()
    for _ in range(limit):
        with store.transaction() as tx:
            row = outbox.claim_next(tx, owner, now, now + LEASE)
        if row is None:
            break
        send_one(store, config, row, owner, now, report)
    return report


def flush(store: Store, config: Config, now: datetime, *, limit: int = BATCH) -> DispatchReport:
    """Send every queued row now, deferred ones included (a flush by hand)."""
    if config.email is None:
        raise MailNotConfiguredError("no [email] table in the config: mail cannot be sent")
    with store.transaction() as tx:
        moved = outbox.bring_forward(tx, now)
    if moved:
        log.info("flush: %d deferred message(s) tried now, not at their retry time", moved)
    return dispatch(store, config, now, limit=limit)


def send_one(
    store: Store,
    config: Config,
    row: OutboxMessage,
    owner: str,
    now: datetime,
    report: DispatchReport,
) -> None:
    """Send one leased row and record what happened."""
    assert config.email is not None
    message = build_email(row, config.email.sender)
    try:
        note = smtp.send(config.email, message, row.recipients)
    except smtp.SendError as error:
        record_failure(store, row, owner, now, error, report)
        return
    with store.transaction() as tx:
        recorded = outbox.mark_sent(tx, row.id, owner, now, note)
    if not recorded:
        log.warning("outbox %d: sent, but its lease was lost before it was recorded", row.id)
    report.sent += 1
    log.info("outbox %d (%s) sent to %d recipients", row.id, row.kind, len(row.recipients))


def record_failure(
    store: Store,
    row: OutboxMessage,
    owner: str,
    now: datetime,
    error: smtp.SendError,
    report: DispatchReport,
) -> None:
    """Put the row back for a retry, or mark it failed for good."""
    text = redact(str(error))
    with store.transaction() as tx:
        if error.permanent or row.attempts >= MAX_ATTEMPTS:
            reason = text if error.permanent else f"gave up after {row.attempts} tries: {text}"
            outbox.mark_failed(tx, row.id, owner, reason)
            report.failed += 1
            report.errors.append(f"{row.kind} message {row.id} failed: {reason}")
            log.error("outbox %d failed for good: %s", row.id, reason)
            return
        outbox.mark_retry(tx, row.id, owner, text, now + retry_delay(row.attempts))
    report.retrying += 1
    report.errors.append(f"{row.kind} message {row.id} will be retried: {text}")
    log.warning("outbox %d not sent (try %d), will retry: %s", row.id, row.attempts, text)
