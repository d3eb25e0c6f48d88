"""`monitor scan`: one pass over the sources now."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

import click

from monitor.cli.common import (
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_OK,
    Context,
    fail,
    handles_errors,
    http_client,
    open_store,
)
from monitor.cli.mail import send_pending
from monitor.cli.views import scan_table
from monitor.config.settings import Config
from monitor.scan.scanner import ScanReport, SourceOutcome, run_scan
from storage.database import Store


@click.command()
@click.option("--source", "only", multiple=True, metavar="NAME", help="Scan only this source.")
@click.option("--dry-run", is_flag=True, help="Fetch and score, store nothing.")
@click.option("--baseline", is_flag=True, help="Store without alerting (as on a first run).")
@click.pass_obj
@handles_errors
def scan(obj: Context, only: tuple[str, ...], dry_run: bool, baseline: bool) -> None:
    """Poll the sources once now and store what is new."""
    config = obj.config()
    with open_store(config) as store:
        report = asyncio.run(run_once(config, store, obj, only, dry_run, baseline))
        if config.email is not None and not dry_run:
            send_pending(config, store)  # urgent mail raised by this scan goes now
    scan_table(obj.stdout, report, dry_run=dry_run)
    if report.locked:
        fail(f"another scan is polling {', '.join(report.locked)}; try again later", EXIT_LOCKED)
    sys.exit(EXIT_FAILED if report.failed else EXIT_OK)


async def run_once(
    config: Config,
    store: Store,
    obj: Context,
    only: tuple[str, ...],
    dry_run: bool,
    baseline: bool,
) -> ScanReport:
    """One scan with the configured client, showing progress on a terminal."""
    progress = progress_printer(obj) if obj.stderr.is_terminal else None
    async with http_client(config) as http:
        return await run_scan(
            config,
            store,
            http,
            only=only,
            dry_run=dry_run,
            baseline=baseline,
            on_progress=progress,
        )


def progress_printer(obj: Context) -> Callable[[SourceOutcome], None]:
    """A callback that prints one line per finished source."""

    def show(outcome: SourceOutcome) -> None:
        mark = "[green]✓[/]" if outcome.status == "ok" else "[red]✗[/]"
        obj.stderr.print(f"{mark} {outcome.name}", highlight=False)

    return show
