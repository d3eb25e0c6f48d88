"""`monitor alerts` (the SLT's queue: list, show, ack, resolve, dismiss, action; reply, unreply,
hide, unhide where it happened) and `incidents`."""

from __future__ import annotations

import asyncio
import getpass
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

import click
from rich.console import Console

from monitor import alerts as lifecycle
from monitor import responses
from monitor.cli.common import (
    Context,
    UsageError,
    fail,
    handles_errors,
    http_client,
    known_school,
    open_store,
    parse_since,
    school_option,
)
from monitor.cli.views import render_table, shorten, when, zone_label
from monitor.config.settings import Config
from monitor.exports import render_csv, render_json
from monitor.judgement import advice as policy
from monitor.model import USER_ACTIONS, Alert, AlertAction, AlertStatus, Mention
from monitor.responses import Respond
from sources.capabilities import CannotRespondError, Changed
from sources.errors import SourceError, SourceNoAnswerError
from storage import alerts as stored_alerts

STATUS_CHOICES = ["open", "acknowledged", "resolved", "dismissed", "all"]
T = TypeVar("T")


def actor_option(command: Callable[..., T]) -> Callable[..., T]:
    """The `--as NAME` option: who is recorded in the incident log."""
    return click.option(
        "--as",
        "actor",
        default=None,
        help="Who is recording this (default: your login name).",
    )(command)


def note_option(command: Callable[..., T]) -> Callable[..., T]:
    """The `--note TEXT` option."""
    return click.option("--note", default=None, help="A note for the incident log.")(command)


@click.group("alerts", invoke_without_command=True)
@click.option("--status", "status", type=click.Choice(STATUS_CHOICES), default="open")
@school_option
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
@handles_errors
def alerts_command(ctx: click.Context, status: str, school: str | None, output: str) -> None:
    """The alert queue: list alerts, show one, acknowledge, resolve, dismiss, record actions."""
    if ctx.invoked_subcommand is not None:
        return
    obj: Context = ctx.obj
    config = obj.config()
    school = known_school(config.school_tables, school)
    statuses = None if status == "all" else [AlertStatus(status)]
    with open_store(config) as store, store.transaction(read_only=True) as tx:
        found = stored_alerts.list_alerts(tx, statuses, school=school)
    if output == "json":
        click.echo(render_json([alert.to_json() for alert in found]), nl=False)
    elif not found:
        obj.stderr.print(f"no {'' if status == 'all' else status + ' '}alerts", highlight=False)
    else:
        alert_table(obj.stdout, found, config.school.zone)


@alerts_command.command("show")
@click.argument("alert_id", type=int)
@click.pass_obj
@handles_errors
def show(obj: Context, alert_id: int) -> None:
    """The alert, the mention it is about, the rule's reasons, and its history."""
    config = obj.config()
    with open_store(config) as store, store.transaction(read_only=True) as tx, known(alert_id):
        found = lifecycle.detail(tx, alert_id)
    for line in detail_lines(found, config):
        click.echo(visible(line))


@alerts_command.command("ack")
@click.argument("alert_id", type=int)
@note_option
@actor_option
@click.pass_obj
@handles_errors
def ack(obj: Context, alert_id: int, note: str | None, actor: str | None) -> None:
    """Acknowledge an open alert: someone is dealing with it."""
    change_status(obj, alert_id, AlertStatus.ACKNOWLEDGED, note, actor)


@alerts_command.command("resolve")
@click.argument("alert_id", type=int)
@note_option
@actor_option
@click.pass_obj
@handles_errors
def resolve(obj: Context, alert_id: int, note: str | None, actor: str | None) -> None:
    """Resolve an open or acknowledged alert: nothing more to do."""
    change_status(obj, alert_id, AlertStatus.RESOLVED, note, actor)


@alerts_command.command("dismiss")
@click.argument("alert_id", type=int)
@note_option
@actor_option
@click.pass_obj
@handles_errors
def dismiss(obj: Context, alert_id: int, note: str | None, actor: str | None) -> None:
    """Dismiss an alert as a false positive (it is remembered and never raised again)."""
    change_status(obj, alert_id, AlertStatus.DISMISSED, note, actor)


@alerts_command.command("action")
@click.argument("alert_id", type=int)
@click.argument("action", type=click.Choice([str(action) for action in USER_ACTIONS]))
@note_option
@actor_option
@click.pass_obj
@handles_errors
def action(obj: Context, alert_id: int, action: str, note: str | None, actor: str | None) -> None:
    """Record what was done about an alert (the policy's incident log)."""
    config = obj.config()
    with open_store(config) as store, store.transaction() as tx, known(alert_id):
        event = lifecycle.record_action(
            tx, alert_id, AlertAction(action), actor=who(actor), note=note, now=datetime.now(UTC)
        )
    click.echo(f"alert {alert_id}: recorded {event.action} by {event.actor}")


@alerts_command.command("reply")
@click.argument("alert_id", type=int)
@click.argument("text")
@actor_option
@click.pass_obj
@handles_errors
def reply(obj: Context, alert_id: int, text: str, actor: str | None) -> None:
    """Reply in public where the mention was posted, if its source takes replies."""
    respond(obj, alert_id, Respond.REPLY, text, actor)


@alerts_command.command("unreply")
@click.argument("alert_id", type=int)
@actor_option
@click.pass_obj
@handles_errors
def unreply(obj: Context, alert_id: int, actor: str | None) -> None:
    """Remove the school's public reply (where the service allows it: a Google review)."""
    respond(obj, alert_id, Respond.UNREPLY, None, actor)


@alerts_command.command("hide")
@click.argument("alert_id", type=int)
@actor_option
@click.pass_obj
@handles_errors
def hide(obj: Context, alert_id: int, actor: str | None) -> None:
    """Hide the comment on the school's own page (its author and their friends still see it)."""
    respond(obj, alert_id, Respond.HIDE, None, actor)


@alerts_command.command("unhide")
@click.argument("alert_id", type=int)
@actor_option
@click.pass_obj
@handles_errors
def unhide(obj: Context, alert_id: int, actor: str | None) -> None:
    """Show a comment hidden on the school's page again."""
    respond(obj, alert_id, Respond.UNHIDE, None, actor)


@click.command("incidents")
@click.option(
    "--since",
    help="Only entries on or after DATE (YYYY-MM-DD in the school's timezone, or ISO 8601).",
)
@school_option
@click.option("--format", "output", type=click.Choice(["csv", "json"]), default="csv")
@click.pass_obj
@handles_errors
def incidents_command(obj: Context, since: str | None, school: str | None, output: str) -> None:
    """Export the incident log (every alert status change and action), oldest first."""
    config = obj.config()
    school = known_school(config.school_tables, school)
    moment = parse_since(since, config.school.zone) if since else None
    with open_store(config) as store, store.transaction(read_only=True) as tx:
        records = lifecycle.incident_log(tx, moment, school)
    if output == "json":
        click.echo(render_json(records), nl=False)
    else:
        click.echo(render_csv(records, lifecycle.INCIDENT_FIELDS), nl=False)


def change_status(
    obj: Context, alert_id: int, to: AlertStatus, note: str | None, actor: str | None
) -> None:
    """Move an alert to `to`, logging who and why; prints one line."""
    config = obj.config()
    with open_store(config) as store, store.transaction() as tx, known(alert_id):
        event = lifecycle.transition(
            tx, alert_id, to, actor=who(actor), note=note, now=datetime.now(UTC)
        )
    click.echo(f"alert {alert_id}: {event.action} by {event.actor}")


def respond(
    obj: Context, alert_id: int, action: Respond, text: str | None, actor: str | None
) -> None:
    """Do `action` at the source and record it; exit 2 if the source won't, 1 if it refused."""
    config = obj.config()
    with open_store(config) as store:
        with store.transaction(read_only=True) as tx, known(alert_id), instead():
            plan = responses.prepare(tx, config, alert_id, action, text)
        try:
            with instead():
                changed = asyncio.run(perform(config, plan, text))
        except SourceNoAnswerError as error:
            fail(f"{plan.describe()}: not known to be done, nothing recorded: {error}")
        except SourceError as error:
            fail(f"{plan.describe()}: refused, nothing recorded: {error}")
        with store.transaction() as tx:
            event = responses.record(
                tx, config, plan, changed, text, actor=who(actor), now=datetime.now(UTC)
            )
    click.echo(
        f"alert {alert_id}: {plan.describe()}: done; recorded {event.action} by {event.actor}"
    )


async def perform(config: Config, plan: responses.Plan, text: str | None) -> Changed:
    """The action at the source, with the configured client (SourceError if refused)."""
    async with http_client(config) as http:
        return await responses.perform(http, plan, text)


@contextmanager
def instead() -> Iterator[None]:
    """Turns "the source does not take this" into a usage error (exit 2) saying what to do."""
    try:
        yield
    except CannotRespondError as error:
        raise UsageError(str(error)) from None


@contextmanager
def known(alert_id: int) -> Iterator[None]:
    """Turns an unknown id or a disallowed change into a usage error (exit 2)."""
    try:
        yield
    except (lifecycle.AlertNotFoundError, lifecycle.TransitionError) as error:
        raise UsageError(str(error.args[0])) from None


def visible(text: str) -> str:
    """Scraped text with control characters shown escaped, so none can act on the terminal."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def who(actor: str | None) -> str:
    """`--as NAME`, or the login name of whoever runs the command."""
    if actor and actor.strip():
        return actor.strip()
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (a container without a passwd entry)
        return "unknown"


def respond_lines(alert: Alert, mention: Mention, config: Config) -> list[str]:
    """What the source lets the school do from here, and a draft reply where the policy has one."""
    offered = responses.options(config, mention)
    commands = {
        Respond.REPLY: f"monitor alerts reply {alert.id} TEXT  ({offered.where})",
        Respond.UNREPLY: f"monitor alerts unreply {alert.id}",
        Respond.HIDE: f"monitor alerts hide {alert.id}",
        Respond.UNHIDE: f"monitor alerts unhide {alert.id}",
    }
    if not offered.actions:
        return [f"respond: {offered.instead}"]
    lines = ["respond:"] + [f"  {commands[action]}" for action in offered.actions]
    draft = policy.draft_reply(alert.rule, config.school.name)
    if Respond.REPLY in offered.actions and draft is not None:
        lines.append(f"draft reply (edit before sending): {draft}")
    return lines


def alert_table(console: Console, found: Sequence[Alert], zone: ZoneInfo) -> None:
    """Alerts, one row each, newest first."""
    rows = [
        (
            alert.id,
            when(alert.created_at, zone),
            alert.severity,
            alert.rule,
            alert.status,
            alert.source or "",
            shorten(alert.summary, 100),
        )
        for alert in found
    ]
    headers = ["id", f"raised ({zone_label(zone)})", "severity", "rule", "status", "source"]
    render_table(console, [*headers, "summary"], rows)


def detail_lines(found: lifecycle.AlertDetail, config: Config) -> list[str]:
    """`alerts show` as lines: the alert, the mention, the reasons, the advice of the mention's
    source, what can be done from here, the history."""
    zone = config.school.zone
    alert = found.alert
    lines = [
        f"alert {alert.id}: {alert.rule} ({alert.severity}), {alert.status}",
        f"raised: {when(alert.created_at, zone)} {zone_label(zone)}",
        f"why: {alert.summary}",
    ]
    mention = found.mention
    if mention is None:
        lines.append("mention: (none: a source-health alert, or purged)")
    else:
        sentiment = mention.sentiment
        lines += [
            f"mention {mention.id}: {mention.source} {mention.item_type} {mention.external_id}",
            f"url: {mention.url or '-'}",
            f"author: {mention.author or '-'}",
        ]
        if mention.published_at is not None:
            lines.append(f"published: {when(mention.published_at, zone)} {zone_label(zone)}")
        if mention.rating is not None:
            lines.append(f"rating: {mention.rating:g}")
        if sentiment is not None:
            lines.append(
                f"sentiment: {sentiment.compound:+.2f}; worst sentence"
                f" {sentiment.most_negative:+.2f}: {sentiment.most_negative_sentence!r}"
            )
            if sentiment.words:
                lines.append(f"words: {', '.join(sentiment.words)}")
        if mention.title:
            lines.append(f"title: {mention.title}")
        lines.append(f"text: {mention.text}")
    advice = policy.suggestions(alert.rule, policy.where_said(config, alert.source))
    if advice:
        lines.append("the policy suggests:")
        lines += [f"  - {step}" for step in advice]
    if mention is not None:
        lines += respond_lines(alert, mention, config)
    lines.append("history:" if found.events else "history: (nothing recorded yet)")
    for event in found.events:
        note = f": {event.note}" if event.note else ""
        lines.append(f"  {when(event.at, zone)} {event.actor} {event.action}{note}")
    return lines
