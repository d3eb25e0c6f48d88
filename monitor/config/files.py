"""Where the config file is, and reading it into TOML tables, without pydantic.

    find_config(explicit) -> Path          --config, else $MONITOR_CONFIG, ./config.toml, /etc/...
    read_config(path) -> bytes             the file's bytes, or ConfigError saying why not
    parse_config(path, raw) -> dict        its TOML tables, or ConfigError with line and column

Apart from `monitor.config.settings` (which validates the tables) so that a command reading a
config it has already seen validated (monitor.config.reading) loads no validation library.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

SYSTEM_CONFIG = Path("/etc/reputation-monitor/config.toml")


class ConfigError(Exception):
    """The config cannot be used; `problems` holds one line per problem, naming file and key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def find_config(explicit: Path | None) -> Path:
    """The config file to use: `explicit`, else $MONITOR_CONFIG, ./config.toml, SYSTEM_CONFIG."""
    if explicit is not None:
        return explicit
    from_environment = os.environ.get("MONITOR_CONFIG")
    if from_environment:
        return Path(from_environment)
    local = Path.cwd() / "config.toml"
    for candidate in (local, SYSTEM_CONFIG):
        if candidate.is_file():
            return candidate
    raise ConfigError(
        [
            f"no config file found: looked for $MONITOR_CONFIG, {local} and {SYSTEM_CONFIG};"
            " give --config PATH"
        ]
    )


def read_config(path: Path) -> bytes:
    """The bytes of the config file `path`, or ConfigError with the one reason it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such file"]) from None
    except OSError as error:
        raise ConfigError([f"{path}: cannot read: {error.strerror}"]) from None


def parse_config(path: Path, raw: bytes) -> dict[str, Any]:
    """The TOML tables in `raw` (the bytes of `path`), or ConfigError with where it is broken."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError([f"{path.name}: not UTF-8 text (byte {error.start})"]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"{path.name}: {_toml_problem(str(error))}"]) from None


def _toml_problem(message: str) -> str:
    """tomllib's "Reason (at line 3, column 7)" as "line 3, column 7: reason"."""
    reason, _, where = message.partition(" (at ")
    reason = reason[:1].lower() + reason[1:]
    place = re.fullmatch(r"line (\d+), column (\d+)\)", where)
    if place:
        return f"line {place[1]}, column {place[2]}: {reason}"
    if where == "end of document)":
        return f"at the end of the file: {reason}"
    return reason
