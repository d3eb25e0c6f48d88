"""Config tests' setup: fixture configs, a `probe` source type, writing a config, its problems."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import HttpUrl

from monitor.config.files import ConfigError
from monitor.config.references import CredentialRef, EnvRef, FileRef
from monitor.config.settings import load
from monitor.model import FetchResult, SourceState
from sources.base import SourceConfig
from sources.http import PoliteClient

FIXTURES = Path(__file__).parents[1] / "fixtures" / "config"
SHIPPED = Path(__file__).parents[2] / "config.toml"
SCHOOL = '[school]\nname = "Calcot Schools"\n'
EMAIL = """
[email]
smtp_host = "smtp.example.org"
username = "monitor@example.org"
from = "Reputation monitor <monitor@calcot.example>"
to = ["slt@calcot.example"]
"""
# Looks like nothing else in a config, so a leak is unmistakable.
SECRET = "hunter2-Kq7vXw9-secret"


class ProbeConfig(SourceConfig):
    """A source type for these tests: a URL, a list, and a secret by reference."""

    url: HttpUrl
    pages: tuple[str, ...] = ()
    token_env: EnvRef | None = None
    token_file: FileRef | None = None
    token_credential: CredentialRef | None = None

    secret_names = ("token",)


async def fetch_probe(http: PoliteClient, config: ProbeConfig, state: SourceState) -> FetchResult:
    """Finds nothing: config tests never poll."""
    return FetchResult(items=[])


def write(directory: Path, text: str) -> Path:
    """A config.toml holding `text` in `directory`."""
    path = directory / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    """The problems load() reports for `path` (failing the test if it loads)."""
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems
