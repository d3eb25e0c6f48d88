"""`monitor demo`: the monitor working offline, without keys (recorded responses)."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import click

from monitor.cli.common import EXIT_FAILED, EXIT_OK, Context, handles_errors, open_store
from monitor.cli.views import scan_table, status_table
from monitor.demo import run_demo
from monitor.service.status import source_statuses


@click.command()
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the demo's config, database and digest (default: a new temporary one).",
)
@click.pass_obj
@handles_errors
def demo(obj: Context, output: Path | None) -> None:
    """Show the monitor working offline: recorded responses, a temporary database."""
    directory = output or Path(tempfile.mkdtemp(prefix="monitor-demo-"))
    result = asyncio.run(run_demo(directory))
    titles = ("Yesterday's scan (the baseline: stored, never alerted)", "Today's scan")
    for title, report in zip(titles, result.reports, strict=True):
        obj.stdout.print(f"\n{title}", highlight=False)
        scan_table(obj.stdout, report, dry_run=False)
    with open_store(result.config) as store:
        statuses = source_statuses(result.config, store)
    obj.stdout.print("\nmonitor status", highlight=False)
    status_table(obj.stdout, statuses, result.config.school.zone)
    click.echo(
        f"\n{result.requests} requests answered by the demo server on 127.0.0.1"
        f" (of {result.sent} sent)"
    )
    schools = ", ".join(
        f"{school or 'about no school in particular'} {count}"
        for school, count in result.by_school.items()
    )
    click.echo(f"mentions by school: {schools}")
    if result.reply is not None:
        reply = result.reply
        click.echo(f'\nmonitor alerts reply {reply.alert_id} "{reply.text}"')
        click.echo(f"alert {reply.alert_id}: {reply.done}: done; recorded replied_publicly by demo")
    click.echo(f"digest: {result.digest}")
    click.echo(f"explore: monitor --config {result.config.path} mentions")
    failed = any(report.failed for report in result.reports)
    sys.exit(EXIT_FAILED if failed else EXIT_OK)
