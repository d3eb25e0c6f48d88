"""Logging for the CLI and daemon: one stderr handler, secrets masked, URL-logging libs quiet."""

from __future__ import annotations

import logging
import sys

from monitor.secrets import RedactingFilter

# httpx logs every request URL at INFO, and URLs can carry tokens (Graph API access_token, a
# Google Alerts feed path). We log our own one-line summaries instead.
_URL_LOGGERS = ("httpx", "httpcore", "hpack")


def configure(*, verbose: bool = False, quiet: bool = False) -> None:
    """Send log records to stderr: DEBUG with -v, ERROR only with -q, else WARNING."""
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _URL_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
