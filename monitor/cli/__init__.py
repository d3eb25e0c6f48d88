"""The `monitor` command: a thin layer over the library. Printing and exit codes live here only.

Each command group is a module of this package; `COMMANDS` names them, and a command's module
is imported only when that command runs, so `monitor --version` and `monitor --help` stay fast
(no database, HTTP or parsing library is loaded for them). A test checks that every summary
below is the first line of the command's own docstring.

Exit status: 0 success; 1 the command ran but something failed (e.g. a source); 2 usage or config
error; 3 another scan holds the lock.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from monitor import __version__

# name → (module, attribute, one-line summary for `monitor --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "scan": ("monitor.cli.scan", "scan", "Poll the sources once now and store what is new."),
    "mentions": ("monitor.cli.mentions", "mentions_command", "List stored mentions, newest first."),
    "status": (
        "monitor.cli.status",
        "status",
        "Each configured source's health, last success, next poll, last error and remedy.",
    ),
    "check": (
        "monitor.cli.status",
        "check",
        "Check the config, its secrets and the database (and with --online, each source).",
    ),
    "alerts": (
        "monitor.cli.alerts",
        "alerts_command",
        "The alert queue: list alerts, show one, acknowledge, resolve, dismiss, record actions.",
    ),
    "incidents": (
        "monitor.cli.alerts",
        "incidents_command",
        "Export the incident log (every alert status change and action), oldest first.",
    ),
    "rescore": (
        "monitor.cli.rescore",
        "rescore",
        "Re-score stored mentions after a lexicon change; re-apply the rules to recent ones.",
    ),
    "db": ("monitor.cli.db", "db", "Database maintenance."),
    "purge": (
        "monitor.cli.purge",
        "purge",
        "Delete mentions past [storage] retention_days and blank the mail and alerts quoting them.",
    ),
    "run": (
        "monitor.cli.run",
        "run",
        "Run as a service: poll, mail, digest and purge on schedule.",
    ),
    "demo": (
        "monitor.cli.demo",
        "demo",
        "Show the monitor working offline: recorded responses, a temporary database.",
    ),
    "digest": (
        "monitor.cli.digest",
        "digest_command",
        "Preview the digest of everything since the last one, or send it now.",
    ),
    "mail": ("monitor.cli.mail", "mail", "Send what the outbox holds, or a test message."),
    "web": (
        "monitor.cli.web",
        "web",
        "Serve the SLT's page: read, acknowledge and act on alerts in a browser.",
    ),
    "users": (
        "monitor.cli.users",
        "users_command",
        "Who may sign in to the web page: add, list, remove.",
    ),
    "sources": (
        "monitor.cli.sources",
        "sources_command",
        "List the source types and their config keys.",
    ),
    "webhook": (
        "monitor.cli.webhook",
        "webhook",
        "Serve the Facebook Page webhook (optional): store posts and comments as Meta pushes them.",
    ),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported when used, listed from `COMMANDS` for --help."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute, _ = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx) if name in COMMANDS]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="monitor")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Config file (default: $MONITOR_CONFIG, ./config.toml, /etc/reputation-monitor/).",
)
@click.option("-v", "--verbose", is_flag=True, help="Debug logging on stderr (each request too).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, verbose: bool, quiet: bool) -> None:
    """Watch what is said online about the school, and tell the SLT."""
    from monitor import logs
    from monitor.cli.common import Context

    logs.configure(verbose=verbose, quiet=quiet)
    ctx.obj = Context(config_path, verbose=verbose, quiet=quiet)
