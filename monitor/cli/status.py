"""`monitor status` and `monitor check`: is each source healthy, and is the set-up right?"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from datetime import UTC, datetime

import click

from monitor.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    Context,
    handles_errors,
    http_client,
    known_school,
    open_store,
    school_option,
)
from monitor.cli.views import status_table, workers_table
from monitor.config.settings import Config
from monitor.exports import render_json
from monitor.service.status import mail_problems, source_statuses, worker_statuses
from sources.base import SourceConfig, adapter_for
from sources.capabilities import WriteAccess
from sources.errors import SourceError


def adapter_check_lines(config: Config) -> list[str]:
    """What each adapter adds to `monitor check` about its enabled sources (e.g. their cost)."""
    by_type: dict[str, dict[str, SourceConfig]] = {}
    for name, source in config.sources.items():
        if source.enabled:
            by_type.setdefault(source.type, {})[name] = source
    lines: list[str] = []
    for type_name, sources in by_type.items():
        check = adapter_for(type_name).capabilities.check
        if check is not None:
            lines.extend(check(sources))
    return lines


@click.command()
@school_option
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
@handles_errors
def status(obj: Context, school: str | None, output: str) -> None:
    """Each configured source's health, last success, next poll, last error and remedy."""
    config = obj.config()
    school = known_school(config.school_tables, school)
    with open_store(config) as store:
        statuses = source_statuses(config, store, school=school)
        at_work = worker_statuses(store)
        mail_lines = mail_problems(store, datetime.now(UTC))
    for line in mail_lines:  # stderr: stdout keeps the firm table/JSON shape
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
    # Imported here: `monitor status`, in this module too, needs neither the scan nor HTTP.
    from monitor.cli.scan import run_once
    from monitor.scan.report import skipped_note

    config = obj.config()
    click.echo(f"config: {config.path}: ok ({len(config.sources)} sources, secrets resolved)")
    with open_store(config) as store:
        click.echo(f"database: {store.url_for_display}: ok")
        for line in adapter_check_lines(config):
            click.echo(line)
        if not online:
            return
        report = asyncio.run(run_once(config, store, obj, (), dry_run=True, baseline=False))
    for outcome in report.outcomes:
        verdict = "ok" if outcome.status == "ok" else f"{outcome.status}: {outcome.error}"
        if outcome.skipped:
            verdict += f" ({skipped_note(outcome)})"
        click.echo(f"source {outcome.name} ({outcome.type}): {verdict}")
    # Read-only set-ups stay valid: a token that cannot write is a warning, never a failure.
    for name, access in asyncio.run(write_access(config)).items():
        if access.can_write is True:
            click.echo(f"source {name}: can reply or hide: {access.detail}")
        elif access.can_write is False:
            click.echo(f"warning: source {name} cannot reply or hide: {access.detail}")
        else:
            click.echo(f"source {name}: whether it can reply or hide is unknown: {access.detail}")
    sys.exit(EXIT_FAILED if report.failed else EXIT_OK)


async def write_access(config: Config) -> dict[str, WriteAccess]:
    """What each enabled source that takes replies or hiding may do with its credentials."""
    found: dict[str, WriteAccess] = {}
    async with http_client(config) as http:
        for name, source in config.sources.items():
            check = adapter_for(source.type).capabilities.write_access
            if not source.enabled or check is None:
                continue
            try:
                found[name] = await check(http, source)
            except SourceError as error:
                found[name] = WriteAccess(None, f"could not ask ({error})")
    return found
