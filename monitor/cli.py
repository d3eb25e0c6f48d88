"""The `monitor` command: a thin layer over the library. Printing and exit codes live here only.

Exit status: 0 success; 1 the command ran but something failed (e.g. a source); 2 usage or config
error; 3 another scan holds the lock.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import click
from rich.console import Console

from monitor import __version__, logs
from monitor.config import Config, ConfigError, find_config, load
from monitor.model import SourceStatus
from monitor.output import render_csv, render_json, render_table
from monitor.scan import ScanReport, SourceOutcome, UnknownSourceError, run_scan
from monitor.status import source_statuses
from monitor.units import format_duration
from sources.base import adapters
from sources.http import PoliteClient
from storage import mentions as stored_mentions
from storage.database import StorageError, Store, upgrade

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3
MENTION_FIELDS = (
    "id",
    "source",
    "type",
    "item_type",
    "external_id",
    "url",
    "title",
    "author",
    "text",
    "rating",
    "published_at",
    "first_seen_at",
    "sentiment",
    "labels",
    "parent_external_id",
)

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class Context:
    """Options shared by every command."""

    config_path: Path | None
    stdout: Console
    stderr: Console

    def config(self) -> Config:
        """The loaded config; a config problem ends the command with status 2."""
        return load(find_config(self.config_path))


def fail(message: str, status: int = EXIT_FAILED) -> NoReturn:
    """Print one error line to stderr and exit."""
    click.echo(f"monitor: {message}", err=True)
    sys.exit(status)


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turns library errors into messages and exit codes at the edge."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ConfigError as error:
            for problem in error.problems:
                click.echo(problem, err=True)
            sys.exit(EXIT_USAGE)
        except UnknownSourceError as error:
            fail(str(error), EXIT_USAGE)
        except StorageError as error:
            fail(f"database: {error}")

    return wrapper


@contextmanager
def open_store(config: Config) -> Iterator[Store]:
    """The configured store, migrated to the current schema, closed afterwards."""
    store = Store.open(config.storage.url)
    try:
        yield store
    finally:
        store.close()


def http_client(config: Config) -> PoliteClient:
    """The shared HTTP client with the [http] settings."""
    return PoliteClient(
        # Wikimedia asks for a way to reach us; the school's name is the least we can give.
        contact=config.http.contact or config.school.name,
        timeout=config.http.timeout.total_seconds(),
        max_body=config.http.max_body,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="monitor")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Config file (default: $MONITOR_CONFIG, ./config.toml, /etc/reputation-monitor/).",
)
@click.option("-v", "--verbose", is_flag=True, help="Debug logging on stderr.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, verbose: bool, quiet: bool) -> None:
    """Watch what is said online about the school, and tell the SLT."""
    logs.configure(verbose=verbose, quiet=quiet)
    ctx.obj = Context(config_path, Console(), Console(stderr=True))


@main.command()
@click.option("--source", "only", multiple=True, metavar="NAME", help="Scan only this source.")
@click.option("--dry-run", is_flag=True, help="Fetch and score, store nothing.")
@click.option("--baseline", is_flag=True, help="Store without alerting (as on a first run).")
@click.pass_obj
@handles_errors
def scan(obj: Context, only: tuple[str, ...], dry_run: bool, baseline: bool) -> None:
    """Poll the sources once now and store what is new."""
    config = obj.config()
    with open_store(config) as store:
        report = asyncio.run(_scan(config, store, obj, only, dry_run, baseline))
    _print_scan_report(obj, report, dry_run)
    if report.locked:
        fail(f"another scan is polling {', '.join(report.locked)}; try again later", EXIT_LOCKED)
    sys.exit(EXIT_FAILED if report.failed else EXIT_OK)


async def _scan(
    config: Config,
    store: Store,
    obj: Context,
    only: tuple[str, ...],
    dry_run: bool,
    baseline: bool,
) -> ScanReport:
    progress = _progress_printer(obj) if obj.stderr.is_terminal else None
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


def _progress_printer(obj: Context) -> Callable[[SourceOutcome], None]:
    def show(outcome: SourceOutcome) -> None:
        mark = "[green]✓[/]" if outcome.status == "ok" else "[red]✗[/]"
        obj.stderr.print(f"{mark} {outcome.name}", highlight=False)

    return show


def _print_scan_report(obj: Context, report: ScanReport, dry_run: bool) -> None:
    rows = [
        (
            outcome.name,
            outcome.type,
            outcome.status + (" (baseline)" if outcome.baseline else ""),
            outcome.fetched,
            outcome.new,
            outcome.updated,
            outcome.negative,
            outcome.error or "",
        )
        for outcome in report.outcomes
    ]
    title = "would store" if dry_run else "new"
    render_table(
        obj.stdout,
        ["source", "type", "status", "fetched", title, "updated", "negative", "note"],
        rows,
    )


@main.command("mentions")
@click.option("--source", help="Only this source.")
@click.option("--since", help="Only mentions first seen on or after DATE (YYYY-MM-DD or ISO time).")
@click.option(
    "--label", help="Only mentions with this label (negative, positive, staff_named, ...)."
)
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--format", "output", type=click.Choice(["table", "json", "csv"]), default="table")
@click.pass_obj
@handles_errors
def mentions_command(
    obj: Context,
    source: str | None,
    since: str | None,
    label: str | None,
    limit: int,
    output: str,
) -> None:
    """List stored mentions, newest first."""
    config = obj.config()
    moment = parse_since(since, ZoneInfo(config.school.timezone)) if since else None
    with open_store(config) as store, store.transaction() as tx:
        found = stored_mentions.list_mentions(
            tx, source=source, since=moment, label=label, limit=limit
        )
    records = [mention.to_json() for mention in found]
    if output == "json":
        click.echo(render_json(records), nl=False)
    elif output == "csv":
        click.echo(render_csv(records, MENTION_FIELDS), nl=False)
    else:
        rows = [
            (
                _when(record["published_at"] or record["first_seen_at"]),
                record["source"],
                record["item_type"],
                record["sentiment"],
                ",".join(record["labels"]),
                _short(record["title"] or record["text"]),
            )
            for record in records
        ]
        headers = ["published (UTC)", "source", "item", "score", "labels", "text"]
        render_table(obj.stdout, headers, rows)


def parse_since(value: str, zone: ZoneInfo) -> datetime:
    """A UTC moment from a date (midnight in the school's timezone) or an ISO 8601 time."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0), zone).astimezone(UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not YYYY-MM-DD or an ISO 8601 time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)


def _status_note(entry: SourceStatus) -> str:
    """The last error, and until when a service asked us not to poll (Retry-After)."""
    note = entry.last_error or ""
    if entry.blocked_until is not None and entry.blocked_until > datetime.now(UTC):
        note = f"not polled until {_when(entry.blocked_until)} (asked by the service); {note}"
    return note


def _when(moment: datetime | str) -> str:
    """A UTC time to the minute, the same way in every table: 2026-11-25 09:00."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _short(text: str, width: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@main.command()
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
@handles_errors
def status(obj: Context, output: str) -> None:
    """Each configured source's health, last success, last error and mention count."""
    config = obj.config()
    with open_store(config) as store:
        statuses = source_statuses(config, store)
    if output == "json":
        click.echo(render_json([entry.to_json() for entry in statuses]), nl=False)
        return
    rows = [
        (
            entry.name,
            entry.type,
            "yes" if entry.enabled else "no",
            entry.health,
            _when(entry.last_success_at) if entry.last_success_at else "never",
            entry.consecutive_failures,
            entry.mention_count,
            _status_note(entry),
        )
        for entry in statuses
    ]
    render_table(
        obj.stdout,
        [
            "source",
            "type",
            "enabled",
            "health",
            "last success",
            "failures",
            "mentions",
            "last error",
        ],
        rows,
    )


@main.command()
@click.option("--online", is_flag=True, help="Also poll each enabled source once, storing nothing.")
@click.pass_obj
@handles_errors
def check(obj: Context, online: bool) -> None:
    """Check the config, its secrets and the database (and with --online, each source)."""
    config = obj.config()
    click.echo(f"config: {config.path}: ok ({len(config.sources)} sources, secrets resolved)")
    with open_store(config) as store:
        click.echo(f"database: {store.url_for_display}: ok")
        if not online:
            return
        report = asyncio.run(_scan(config, store, obj, (), dry_run=True, baseline=False))
    for outcome in report.outcomes:
        verdict = "ok" if outcome.status == "ok" else f"{outcome.status}: {outcome.error}"
        click.echo(f"source {outcome.name} ({outcome.type}): {verdict}")
    sys.exit(EXIT_FAILED if report.failed else EXIT_OK)


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.pass_obj
@handles_errors
def db_upgrade(obj: Context) -> None:
    """Apply schema migrations (also done automatically on start)."""
    config = obj.config()
    revision = upgrade(config.storage.url)
    click.echo(f"database at revision {revision}")


@main.command("sources")
def sources_command() -> None:
    """List the source types and their config keys."""
    for name, adapter in adapters().items():
        click.echo(f"{name}: {adapter.summary}")
        for key, field in adapter.config_model.model_fields.items():
            if key == "type":
                continue
            default = (
                ""
                if field.is_required()
                else f" (default: {_default(field.get_default(call_default_factory=True))})"
            )
            click.echo(f"    {key}{default}: {field.description or ''}")
        click.echo("")


def _default(value: Any) -> str:
    """A default as it would be written in config.toml."""
    if isinstance(value, timedelta):
        return f'"{format_duration(value)}"'
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | list):
        return json.dumps(value)
    return str(value)
