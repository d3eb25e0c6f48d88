"""What a command that only reads stored mentions needs of the config, remembered once validated.

    load_reading(path) -> ReadingConfig    the database, school ids, time zone and source names

`monitor mentions` needs four facts of the config, but validating it (monitor.config.settings)
loads pydantic and builds every section's model: about two thirds of the command's time as a
process. So the first time a config file is read this way it is validated in full, as any
command validates it (a broken file is refused, naming the key), and those four facts are
written to a small file in the user's cache folder ($XDG_CACHE_HOME, else ~/.cache), under a
key made of the file's exact bytes, its absolute path and the validating code itself. Later
runs with the same bytes and the same code read them back without validating again, as Python
reuses a module's compiled bytecode. Any edit of the file, or a new version of the code, misses
the cache and validates again. The facts hold no secret (the database URL never holds a
password: validation refuses one), and the cache is never needed: when it cannot be read or
written, the command validates every time.

What validation checks outside the file (a secret's environment variable or file) is not checked
on a remembered config, as for a source's secrets: `monitor check`, `scan` and `run` check them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.config.files import read_config

if TYPE_CHECKING:
    from monitor.config.settings import CoreConfig

# Bumped when the cache file's format changes: an old file then misses.
FORMAT = "reading-config/1"
_CODE = (*sorted(Path(__file__).parent.glob("*.py")), Path(__file__).parent.parent / "model.py")


@dataclass(frozen=True)
class ReadingConfig:
    """The config as a command that reads stored mentions uses it (`reading_of` a CoreConfig)."""

    path: Path  # the config file, absolute
    storage_url: str  # a relative SQLite path already made absolute
    school_ids: tuple[str, ...]  # CoreConfig.school_tables' ids ("school" for one [school])
    timezone: str  # the school's (a trust's first school's)
    source_names: tuple[str, ...]

    @property
    def zone(self) -> ZoneInfo:
        """The school's time zone."""
        return ZoneInfo(self.timezone)


def load_reading(path: Path) -> ReadingConfig:
    """The reading facts of the config file `path`: remembered, or validated now (ConfigError)."""
    path = path.absolute()
    raw = read_config(path)
    key = fingerprint(path, raw)
    remembered = recall(path, key)
    if remembered is not None:
        return remembered
    from monitor.config.settings import load_core  # pydantic, only when not remembered

    reading = reading_of(load_core(path, raw))
    remember(reading, key)
    return reading


def reading_of(config: CoreConfig) -> ReadingConfig:
    """What a command that only reads stored mentions needs of a validated `config`."""
    return ReadingConfig(
        path=config.path,
        storage_url=config.storage.url,
        school_ids=tuple(config.school_tables),
        timezone=config.school.timezone,
        source_names=config.source_names,
    )


def fingerprint(path: Path, raw: bytes) -> str:
    """What a validation of `raw`, the bytes of `path`, depends on, as one digest."""
    digest = hashlib.sha256()
    for part in (FORMAT.encode(), code_digest().encode(), os.fsencode(path)):
        digest.update(len(part).to_bytes(8, "big") + part)
    digest.update(raw)
    return digest.hexdigest()


@cache
def code_digest() -> str:
    """A digest of the code that validates a config: a new version of it (ours or pydantic's)
    misses every cache."""
    digest = hashlib.sha256()
    for file in validating_code():
        digest.update(file.read_bytes())
    return digest.hexdigest()


def validating_code() -> list[Path]:
    """The files whose change may change what validation accepts: monitor.config's modules,
    monitor.model (its enums), and pydantic's version file (it pins its core's version), found
    without importing pydantic."""
    spec = importlib.util.find_spec("pydantic")
    library = [] if spec is None or spec.origin is None else [Path(spec.origin).parent]
    return [*_CODE, *(folder / "version.py" for folder in library)]


def cache_file(path: Path) -> Path | None:
    """Where the facts of the config at `path` are remembered; None without a home folder."""
    folder = os.environ.get("XDG_CACHE_HOME")
    try:
        base = Path(folder) if folder and os.path.isabs(folder) else Path.home() / ".cache"
    except RuntimeError:  # no home folder to be found
        return None
    name = hashlib.sha256(os.fsencode(path)).hexdigest()[:32]
    return base / "reputation-monitor" / f"config-{name}.json"


def recall(path: Path, key: str) -> ReadingConfig | None:
    """The facts remembered for `path` under `key`; None when missing, stale or unreadable."""
    file = cache_file(path)
    if file is None:
        return None
    try:
        stored = json.loads(file.read_bytes())
        return _reading(path, stored["reading"]) if stored["key"] == key else None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged or foreign file: validate again, and overwrite it


def remember(reading: ReadingConfig, key: str) -> None:
    """Keep `reading` under `key` for its file, readable by this user only; failing silently."""
    file = cache_file(reading.path)
    if file is None:
        return
    record = {
        "key": key,
        "reading": {
            "storage_url": reading.storage_url,
            "school_ids": list(reading.school_ids),
            "timezone": reading.timezone,
            "source_names": list(reading.source_names),
        },
    }
    # Written whole, then renamed: a command running meanwhile reads the old file or the new.
    partial = file.with_name(f".{file.name}.{os.getpid()}")
    try:
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.replace(partial, file)
    except OSError:  # no cache: the next run validates again
        with suppress(OSError):
            partial.unlink(missing_ok=True)


def _reading(path: Path, stored: dict[str, Any]) -> ReadingConfig | None:
    """The facts in a cache file's record, or None when one is not of its type."""
    url, timezone = stored["storage_url"], stored["timezone"]
    school_ids, source_names = stored["school_ids"], stored["source_names"]
    if not (isinstance(url, str) and isinstance(timezone, str)):
        return None
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):  # gone from this machine, or not a zone name
        return None
    names = (school_ids, source_names)
    if not all(isinstance(each, list) and all(isinstance(n, str) for n in each) for each in names):
        return None
    return ReadingConfig(path, url, tuple(school_ids), timezone, tuple(source_names))
