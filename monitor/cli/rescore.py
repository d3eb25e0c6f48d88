"""`monitor rescore`: score stored mentions again after a lexicon change."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from monitor.cli.common import Context, handles_errors, open_store, parse_since
from monitor.scan.ingest import Ingest
from monitor.scan.rescore import rescore as rescore_mentions


@click.command("rescore")
@click.option(
    "--since",
    help="Only mentions first seen on or after DATE (YYYY-MM-DD in the school's timezone, "
    "or an ISO 8601 time); default: all.",
)
@click.pass_obj
@handles_errors
def rescore(obj: Context, since: str | None) -> None:
    """Re-score stored mentions after a lexicon change; re-apply the rules to recent ones."""
    config = obj.config()
    moment = parse_since(since, config.school.zone) if since else None
    # The scan's scorer and rules; urgent alerts get their mail queued with them, as in a
    # scan (sent by the daemon or `monitor mail flush`).
    ingest = Ingest(config)
    with open_store(config) as store:
        report = rescore_mentions(store, ingest, now=datetime.now(UTC), since=moment)
    click.echo(
        f"rescored {report.rescored} mentions ({report.changed} changed); "
        f"rules re-applied to {report.evaluated} from the last 7 days: "
        f"{report.raised} new alerts"
    )
