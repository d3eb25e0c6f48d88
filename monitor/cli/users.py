"""`monitor users`: who may sign in to the web page, with which role, seeing which schools."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from monitor.cli.common import Context, UsageError, handles_errors, known_school, open_store
from monitor.cli.views import render_table, when, zone_label
from monitor.config.settings import _check_address
from monitor.model import Role
from monitor.web.auth import normalise
from storage import users


@click.group("users")
def users_command() -> None:
    """Who may sign in to the web page: add, list, remove."""


@users_command.command("add")
@click.argument("email")
@click.option("--name", default=None, help="How the page greets them.")
@click.option(
    "--role",
    type=click.Choice([str(role) for role in Role]),
    default=str(Role.SLT),
    show_default=True,
    help="slt: alerts; dsl: also safeguarding details; admin: also sources and users.",
)
@click.option(
    "--school",
    "schools",
    multiple=True,
    metavar="ID",
    help="Limit them to this school (a [schools.<id>] id); repeat for several. None: all.",
)
@click.pass_obj
@handles_errors
def add(obj: Context, email: str, name: str | None, role: str, schools: tuple[str, ...]) -> None:
    """Let EMAIL sign in with ROLE (an existing user's name, role and schools are changed)."""
    address = known_address(email)
    config = obj.config()
    for school in schools:
        known_school(config.school_tables, school)
    with open_store(config) as store, store.transaction() as tx:
        user, created = users.add_or_update(
            tx,
            address,
            name=name.strip() if name else None,
            role=Role(role),
            now=datetime.now(UTC),
            schools=schools,
        )
    limit = f"; schools: {', '.join(user.schools)}" if user.schools else ""
    click.echo(f"{'added' if created else 'updated'} {user.email} ({user.role}{limit})")


@users_command.command("list")
@click.pass_obj
@handles_errors
def list_users(obj: Context) -> None:
    """Every user, by address."""
    config = obj.config()
    with open_store(config) as store, store.transaction(read_only=True) as tx:
        found = users.list_users(tx)
    if not found:
        obj.stderr.print("no users yet: monitor users add EMAIL --role slt", highlight=False)
        return
    zone = config.school.zone
    rows = [
        (
            user.email,
            user.name or "",
            user.role,
            when(user.created_at, zone),
            ", ".join(user.schools) or "all",
        )
        for user in found
    ]
    headers = ["email", "name", "role", f"added ({zone_label(zone)})", "schools"]
    render_table(obj.stdout, headers, rows)


@users_command.command("remove")
@click.argument("email")
@click.pass_obj
@handles_errors
def remove(obj: Context, email: str) -> None:
    """Stop EMAIL signing in; their sessions end at once."""
    config = obj.config()
    with open_store(config) as store, store.transaction() as tx:
        ended = users.remove(tx, normalise(email))
    if ended is None:
        raise UsageError(f"no user {normalise(email)!r} (`monitor users list` shows them)")
    click.echo(f"removed {normalise(email)}; {ended} session{'s' if ended != 1 else ''} ended")


def known_address(value: str) -> str:
    """A plain address in lower case, or a usage error."""
    address = normalise(value)
    try:
        _check_address(address)
    except ValueError as error:
        raise UsageError(f"{value!r}: {error}") from None
    if "<" in address or " " in address:
        raise UsageError(f"{value!r}: give the bare address, e.g. head@school.example")
    return address
