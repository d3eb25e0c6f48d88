"""`monitor purge`: delete or blank data past its retention now (the daemon does it daily)."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from monitor.cli.common import Context, handles_errors, open_store
from monitor.service.retention import purge as purge_store


@click.command()
@click.option("--dry-run", is_flag=True, help="Count what would be purged; change nothing.")
@click.pass_obj
@handles_errors
def purge(obj: Context, dry_run: bool) -> None:
    """Delete mentions past [storage] retention_days and blank the mail and alerts quoting them."""
    config = obj.config()
    with open_store(config) as store:
        counts = purge_store(store, config, datetime.now(UTC), dry_run=dry_run)
    verb = "would purge" if dry_run else "purged"
    click.echo(f"{verb}: {counts.describe()} (older than {config.storage.retention_days} days)")
