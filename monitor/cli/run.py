"""`monitor run`: the daemon (under systemd: Type=notify, watchdog; see deploy/monitor.service).

The wiring lives in monitor.service.wiring; this command opens the store and serves.
"""

from __future__ import annotations

import asyncio
import logging
import sys

import click

from monitor import logs
from monitor.cli.common import Context, handles_errors, http_client, open_store
from monitor.service import systemd
from monitor.service.wiring import serve

log = logging.getLogger("monitor.run")


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
        asyncio.run(serve(config, store, http_client))
    log.info("stopped")
    sys.exit(0)
