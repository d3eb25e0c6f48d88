"""Typed access to parsed JSON, with errors that name the service and the field.

An adapter makes one `JsonFields("Graph API")` and reads its payloads through it, so a changed
response shape becomes one `SourceFormatError` line such as
"Graph API: data[0].id is missing or not text" instead of a KeyError deep in a parser.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sources.common.text import masked_line
from sources.errors import SourceFormatError


@dataclass(frozen=True, slots=True)
class JsonFields:
    """Reads fields of one service's JSON; `service` starts every error message."""

    service: str

    def fail(self, message: str) -> SourceFormatError:
        """A format error for this service (raise it)."""
        return SourceFormatError(f"{self.service}: {message}")

    def loads(self, body: bytes | str, label: str) -> Any:
        """`body` parsed as JSON, or a format error naming `label`."""
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise self.fail(f"{label}: the response is not JSON") from None

    def mapping(self, value: object, name: str) -> Mapping[str, Any]:
        """`value` as a JSON object."""
        if not isinstance(value, Mapping):
            raise self.fail(f"{name} is missing or not an object")
        return value

    def sequence(self, value: object, name: str) -> Sequence[Any]:
        """`value` as a JSON array."""
        if not isinstance(value, list):
            raise self.fail(f"{name} is missing or not a list")
        return value

    def optional_sequence(self, value: object, name: str) -> Sequence[Any]:
        """`value` as a JSON array; an absent value is an empty one."""
        return () if value is None else self.sequence(value, name)

    def integer(self, value: object, name: str) -> int:
        """`value` as an int (a JSON bool is not one)."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{name} is missing or not a number")
        return value

    def optional_integer(self, value: object, name: str) -> int | None:
        """`value` as an int, None when absent."""
        return None if value is None else self.integer(value, name)

    def number(self, value: object, name: str) -> float:
        """`value` as a float (ints accepted)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{name} is missing or not a number")
        return float(value)

    def optional_number(self, value: object, name: str) -> float | None:
        """`value` as a float, None when absent."""
        return None if value is None else self.number(value, name)

    def text(self, value: object, name: str) -> str:
        """`value` as a non-empty string."""
        if not isinstance(value, str) or not value:
            raise self.fail(f"{name} is missing or not text")
        return value

    def optional_text(self, value: object, name: str) -> str | None:
        """`value` as a string, None when absent or empty."""
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.fail(f"{name} is not text")
        return value

    def timestamp(self, value: object, name: str, *, unix: bool = False) -> datetime:
        """`value` as an aware UTC datetime: ISO 8601 text with a zone (RFC 3339, any fraction
        of a second), or with `unix` also whole seconds since 1970 (Graph's webhooks)."""
        if unix and isinstance(value, int) and not isinstance(value, bool):
            try:
                return datetime.fromtimestamp(value, UTC)
            except (OverflowError, OSError, ValueError):
                raise self.fail(f"{name} is not a valid time: {value}") from None
        text = self.text(value, name)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise self.fail(f"{name} is not a valid time: {masked_line(text, 40)!r}") from None
        if moment.utcoffset() is None:
            raise self.fail(f"{name} has no time zone: {masked_line(text, 40)!r}")
        return moment.astimezone(UTC)

    def optional_timestamp(self, value: object, name: str) -> datetime | None:
        """`value` as a `timestamp`, None when absent or empty."""
        return None if value is None or value == "" else self.timestamp(value, name)
