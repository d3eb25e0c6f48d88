"""Run `monitor` commands on a config file as a person would, and read their JSON back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from monitor.cli import main


def monitor(config: Path, *arguments: str) -> Result:
    """`monitor --config CONFIG ARGUMENTS...`, its exceptions left to fail the test."""
    return CliRunner().invoke(main, ["--config", str(config), *arguments], catch_exceptions=False)


def statuses(config: Path) -> dict[str, dict[str, Any]]:
    """`monitor status --format json`, by source name."""
    result = monitor(config, "status", "--format", "json")
    assert result.exit_code == 0, result.output
    return {entry["name"]: entry for entry in json.loads(result.stdout)}


def stored_ids(config: Path, source: str) -> set[str]:
    """The external ids of a source's stored mentions (`monitor mentions --format json`)."""
    result = monitor(config, "mentions", "--source", source, "--format", "json")
    assert result.exit_code == 0, result.output
    return {mention["external_id"] for mention in json.loads(result.stdout)}
