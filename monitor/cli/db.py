"""`monitor db upgrade`: apply schema migrations."""

from __future__ import annotations

import click

from monitor.cli.common import Context, handles_errors
from storage.database import upgrade


@click.group()
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
