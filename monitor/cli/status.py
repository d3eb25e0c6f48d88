"""`monitor status` and `monitor check`: is each source healthy, and is the set-up right?"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from datetime import UTC, datetime

import click

from monitor.cli.common import EXIT_FAILED, EXIT_OK, Context, handles_errors, open_store
from monitor.cli.scan import run_once
from monitor.cli.views import render_json, status_table, workers_table
from monitor.config.settings import Config
from monitor.mail import delivery
from monitor.scan.report import skipped_note
from monitor.service.status import source_statuses, worker_statuses


def places_cost_lines(config: Config) -> list[str]:
    """What the enabled google_places sources cost a month (Place Details is billed)."""
    # Imported here: the package registers the adapter, which `check` of other sources needn't.
    from sources.google_places.cost import check_lines

    intervals = {
        name: source.interval
        for name, source in config.sources.items()
        if source.type == "google_places" and source.enabled
    }
    return check_lines(intervals)


@click.command()
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
@handles_errors
def status(obj: Context, output: str) -> None:
    """Each configured source's health, last success, next poll, last error and remedy."""
    config = obj.config()
    with open_store(config) as store:
        statuses = source_statuses(config, store)
        at_work = worker_statuses(store)
        mail_problems = delivery.problems(store, datetime.now(UTC))
    for line in mail_problems:  # stderr: stdout keeps the firm table/JSON shape
        click.echo(line, err=True)
    if output == "json":
        click.echo(render_json([entry.to_json() for entry in statuses]), nl=False)
        return
    if not statuses:
        obj.stderr.print("no sources configured", highlight=False)
        return
    status_table(obj.stdout, statuses, config.school.zone)
    if at_work:
        held = Counter(entry.held_by for entry in statuses if entry.held_by)
        obj.stdout.print()
        workers_table(obj.stdout, at_work, held)


@click.command()
@click.option("--online", is_flag=True, help="Also poll each enabled source once, storing nothing.")
@click.pass_obj
@handles_errors
def check(obj: Context, online: bool) -> None:
    """Check the config, its secrets and the database (and with --online, each source)."""
    config = obj.config()
    click.echo(f"config: {config.path}: ok ({len(config.sources)} sources, secrets resolved)")
    with open_store(config) as store:
        click.echo(f"database: {store.url_for_display}: ok")
        for line in places_cost_lines(config):
            click.echo(line)
        if not online:
            return
        report = asyncio.run(run_once(config, store, obj, (), dry_run=True, baseline=False))
    for outcome in report.outcomes:
        verdict = "ok" if outcome.status == "ok" else f"{outcome.status}: {outcome.error}"
        if outcome.skipped:
            verdict += f" ({skipped_note(outcome)})"
        click.echo(f"source {outcome.name} ({outcome.type}): {verdict}")
    sys.exit(EXIT_FAILED if report.failed else EXIT_OK)
