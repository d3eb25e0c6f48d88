"""What every command shares: the context object, error handling at the edge, the store and client.

Library code raises; `handles_errors` turns what it raises into one line and an exit status.
Storage and the config's validation are imported when a command uses them, not here: a command
that only reads may never load SQLAlchemy (`open_reader`) or, for a config already validated,
pydantic (`Context.reading`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cached_property, wraps
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import click
from rich.console import Console

from monitor.config.files import ConfigError, find_config
from monitor.config.reading import ReadingConfig, load_reading, reading_of
from storage.errors import StorageError, UnknownSourceError

if TYPE_CHECKING:
    from monitor.config.settings import Config, CoreConfig
    from sources.http import PoliteClient
    from storage.database import Store
    from storage.reader import Reader

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3

P = ParamSpec("P")
R = TypeVar("R")


class UsageError(Exception):
    """A command-line value names nothing known (exit 2 with the message)."""


@dataclass
class Context:
    """Options shared by every command."""

    config_path: Path | None
    verbose: bool = False
    quiet: bool = False
    stdout: Console = field(default_factory=Console)
    stderr: Console = field(default_factory=lambda: Console(stderr=True))

    @cached_property
    def loaded(self) -> Config:
        """The loaded config; a config problem ends the command with status 2."""
        from monitor.config.settings import load  # pydantic: not for `reading`

        return load(find_config(self.config_path))

    def config(self) -> Config:
        """The loaded config (read once per command)."""
        return self.loaded

    def reading(self) -> ReadingConfig:
        """What a command that only reads stored mentions needs of the config.

        No adapter is loaded, and a source's broken setting or missing secret does not stop a
        person reading what is stored (`monitor check` reports those). A config file already
        validated with the same bytes is not validated again (monitor.config.reading).
        """
        if "loaded" in self.__dict__:  # the whole config, already read
            return reading_of(self.loaded)
        return load_reading(find_config(self.config_path))


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
        except (UnknownSourceError, UsageError) as error:
            fail(str(error), EXIT_USAGE)
        except StorageError as error:
            fail(f"database: {error}")

    return wrapper


@contextmanager
def open_store(config: CoreConfig) -> Iterator[Store]:
    """The configured store, migrated to the current schema, closed afterwards."""
    from storage.database import Store

    store = Store.open(config.storage.url)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def open_reader(url: str) -> Iterator[Reader]:
    """One read-only transaction on the configured database, for a command that only reads.

    A SQLite file at the code's schema is read with sqlite3 alone (storage.sqlite_reader):
    SQLAlchemy's import would cost such a command most of its time. Anything else (PostgreSQL,
    a file not yet created or migrated) is opened as a Store, which creates or migrates it.
    """
    from storage.sqlite_reader import open_sqlite_reader

    reader = open_sqlite_reader(url)
    if reader is not None:
        with reader:
            yield reader
        return
    from storage.database import Store

    with Store.open(url) as store, store.transaction(read_only=True) as tx:
        yield tx


def http_client(config: Config) -> PoliteClient:
    """The shared HTTP client with the [http] settings."""
    return config.http_client()


def parse_since(value: str, zone: ZoneInfo) -> datetime:
    """A UTC moment from a date (midnight in the school's timezone) or an ISO 8601 time."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0), zone).astimezone(UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not YYYY-MM-DD or an ISO 8601 time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)


def school_option(command: Callable[P, R]) -> Callable[P, R]:
    """The `--school ID` option: only what is about that school (a `[schools.<id>]` id)."""
    return click.option(
        "--school",
        default=None,
        metavar="ID",
        help="Only what is about this school (its [schools.<id>] id).",
    )(command)


def known_school(school_ids: Collection[str], school: str | None) -> str | None:
    """`school` if it is one of the config's `school_ids` (or None); a usage error otherwise."""
    if school is not None and school not in school_ids:
        known = ", ".join(school_ids)
        raise UsageError(f"no school {school!r}; configured: {known}")
    return school
