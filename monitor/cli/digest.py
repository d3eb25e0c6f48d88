"""`monitor digest`: preview the digest that would be sent now, or send it now."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from monitor.cli.common import (
    EXIT_USAGE,
    Context,
    fail,
    handles_errors,
    known_school,
    open_store,
    school_option,
)
from monitor.cli.mail import email_settings, send_pending
from monitor.private_files import write_private


@click.command("digest")
@click.option(
    "--preview",
    "preview_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the HTML of the digest that would be sent now to FILE (nothing is sent or kept).",
)
@click.option("--send", is_flag=True, help="Build the digest now and send it.")
@school_option
@click.pass_obj
@handles_errors
def digest_command(obj: Context, preview_file: Path | None, send: bool, school: str | None) -> None:
    """Preview the digest of everything since the last one, or send it now."""
    from monitor.mail import digest

    config = obj.config()
    now = datetime.now(UTC)
    if preview_file is not None and send:
        fail("give --preview FILE or --send, not both", EXIT_USAGE)
    if school is not None and send:
        # Every audience's digest of a window is built together; one alone would skip the rest.
        fail("--school previews one school's digest; --send sends every school's", EXIT_USAGE)
    school = known_school(config.school_tables, school)
    with open_store(config) as store:
        if not send:
            text, html = digest.preview(store, config, now, school)
            if preview_file is None:
                click.echo(text, nl=False)
                return
            write_private(preview_file, html)  # parents' names and posts: owner only
            click.echo(f"digest preview written to {preview_file}")
            return
        email_settings(config)
        if digest.queue_now(store, config, now) is None:
            fail("a digest was sent moments ago: nothing new to cover yet")
        if not send_pending(config, store):
            fail("the digest is queued but was not sent yet: see `monitor status`")
    click.echo("digest sent")
