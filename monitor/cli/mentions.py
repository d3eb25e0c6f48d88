"""`monitor mentions`: what has been stored, as a table, JSON or CSV."""

from __future__ import annotations

import click

from monitor.cli.common import (
    Context,
    UsageError,
    handles_errors,
    known_school,
    open_reader,
    parse_since,
    school_option,
)
from monitor.cli.views import MENTION_FIELDS, mention_table
from monitor.exports import render_csv, render_json
from monitor.model import Label
from storage import mention_reading


@click.command("mentions")
@click.option("--source", help="Only this source.")
@click.option(
    "--since",
    help="Only mentions published (or, if undated, first seen) on or after DATE "
    "(YYYY-MM-DD in the school's timezone, or an ISO 8601 time).",
)
@click.option(
    "--label",
    help="Only mentions with this label: " + ", ".join(Label) + " (any case).",
)
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@school_option
@click.option("--format", "output", type=click.Choice(["table", "json", "csv"]), default="table")
@click.pass_obj
@handles_errors
def mentions_command(
    obj: Context,
    source: str | None,
    since: str | None,
    label: str | None,
    limit: int,
    school: str | None,
    output: str,
) -> None:
    """List stored mentions, newest first."""
    config = obj.reading()
    school = known_school(config.school_ids, school)
    moment = parse_since(since, config.zone) if since else None
    wanted = known_label(label) if label is not None else None
    with open_reader(config.storage_url) as reader:
        if source is not None:
            known = sorted({*config.source_names, *mention_reading.count_by_source(reader)})
            if source not in known:
                raise UsageError(
                    f"no source named {source!r}; known: {', '.join(known) or '(none)'}"
                )
        found = mention_reading.list_mentions(
            reader, source=source, since=moment, label=wanted, limit=limit, school=school
        )
    records = [mention.to_json() for mention in found]
    if output == "json":
        click.echo(render_json(records), nl=False)
    elif output == "csv":
        click.echo(render_csv(records, MENTION_FIELDS), nl=False)
    elif not records:
        obj.stderr.print("no mentions match", highlight=False)
    else:
        mention_table(obj.stdout, records, config.zone)


def known_label(value: str) -> str:
    """The label named by `value` (any case), or a usage error listing the known ones."""
    try:
        return str(Label(value.strip().lower()))
    except ValueError:
        raise UsageError(f"no label {value!r}; known: {', '.join(Label)}") from None
