"""Write real config files for tests: the CLI and the scan read TOML from disk, as in production."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# One valid table per built-in source type (secrets in $KEY): loading the config validates each
# with its adapter's model.
ONE_SOURCE_OF_EACH_TYPE: dict[str, dict[str, Any]] = {
    "news": {"type": "feed", "url": "https://news.example/feed.xml"},
    "wiki": {"type": "wikipedia", "search": ['"Calcot Infant School"']},
    "talk": {"type": "mumsnet", "topics": ["primary_education"]},
    "places": {"type": "google_places", "place_id": "ChIJ2eUgeAK6j4A", "api_key_env": "KEY"},
    "business": {
        "type": "google_business",
        "account_id": "1122",
        "location_id": "3344",
        "client_id": "client.apps.googleusercontent.com",
        "client_secret_env": "KEY",
        "refresh_token_env": "KEY",
    },
    "page": {"type": "facebook_page", "page_id": "1234567890", "access_token_env": "KEY"},
    "inspections": {
        "type": "ofsted",
        "provider_url": "https://reports.ofsted.gov.uk/provider/21/109876",
    },
}


def toml_value(value: Any) -> str:
    """A TOML literal for a str, bool, number or list (their JSON spelling is valid TOML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def write_config(
    directory: Path,
    *,
    storage_url: str,
    sources: dict[str, dict[str, Any]],
    extra: str = "",
    staff: tuple[str, ...] = ("Mrs Hazel Example",),
) -> Path:
    """A config.toml for Calcot with the given sources; returns its path."""
    lines = [
        "[school]",
        'name = "Calcot Schools"',
        'aliases = ["Calcot Infant School", "Calcot Junior School", "Calcot Schools", "Calcot"]',
        f"staff = {toml_value(list(staff))}",
        "[storage]",
        f"url = {toml_value(storage_url)}",
        "[http]",
        'contact = "it@calcot.example"',
        'timeout = "5s"',
        extra,
    ]
    for name, keys in sources.items():
        lines.append(f"[sources.{name}]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in keys.items())
    path = directory / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
