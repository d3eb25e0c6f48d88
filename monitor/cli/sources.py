"""`monitor sources`: the source types this installation knows, with their config keys."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import click

from monitor.config.units import format_duration
from sources.base import adapters


@click.command("sources")
def sources_command() -> None:
    """List the source types and their config keys."""
    for name, adapter in adapters().items():
        click.echo(f"{name}: {adapter.summary}")
        for key, field in adapter.config_model.model_fields.items():
            if key == "type":
                continue
            default = (
                ""
                if field.is_required()
                else f" (default: {toml_value(field.get_default(call_default_factory=True))})"
            )
            click.echo(f"    {key}{default}: {field.description or ''}")
        click.echo("")


def toml_value(value: Any) -> str:
    """A default as it would be written in config.toml."""
    if isinstance(value, timedelta):
        return f'"{format_duration(value)}"'
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | list):
        return json.dumps(value)
    return str(value)
