"""Logging for the CLI and daemon: one stderr handler, secrets masked, URL-logging libs quiet."""

from __future__ import annotations

import logging
import sys

from monitor.config.secrets import RedactingFilter

# httpx logs every request URL at INFO, and URLs can carry tokens (Graph API access_token, a
# Google Alerts feed path). We log our own one-line summaries instead.
_URL_LOGGERS = ("httpx", "httpcore", "hpack")


def configure(
    *, verbose: bool = False, quiet: bool = False, service: bool = False, stamped: bool = True
) -> None:
    """Send log records to stderr: DEBUG with -v, ERROR only with -q, else WARNING.

    `service` (the daemon) logs each event at INFO; `stamped=False` leaves the time out, for
    journald, which adds its own.
    """
    default = logging.INFO if service else logging.WARNING
    level = logging.DEBUG if verbose else logging.ERROR if quiet else default
    handler = logging.StreamHandler(sys.stderr)
    layout = "%(levelname)s %(name)s: %(message)s"
    handler.setFormatter(logging.Formatter(f"%(asctime)s {layout}" if stamped else layout))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _URL_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # APScheduler says "Running job ..." at INFO every minute: the daemon logs what jobs did.
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
