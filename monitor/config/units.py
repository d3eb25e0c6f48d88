"""Human units in config: durations ("30s", "10m", "2h", "1d") and sizes ("10MiB", "512KB")."""

from __future__ import annotations

import re
from datetime import timedelta
from types import UnionType
from typing import Annotated, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    PlainSerializer,
    ValidationInfo,
    field_validator,
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$")
_SIZE_UNITS = {
    None: 1,
    "B": 1,
    "KB": 1000,
    "KiB": 1024,
    "MB": 1000**2,
    "MiB": 1024**2,
    "GB": 1000**3,
    "GiB": 1024**3,
}


def parse_duration(value: object) -> timedelta:
    """A timedelta from "<n>s|m|h|d" (or a number of seconds, or a timedelta)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return timedelta(seconds=value)
        except (OverflowError, ValueError):
            raise ValueError("duration is too large or not a number") from None
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError('expected a duration such as "30s", "10m", "2h" or "1d"')
    amount, unit = match.groups()
    try:
        return timedelta(seconds=float(amount) * _DURATION_UNITS[unit])
    except OverflowError:
        raise ValueError("duration is too large") from None


def parse_size(value: object) -> int:
    """A number of bytes from "10MiB", "512KB", "1GiB" or an integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _SIZE.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError('expected a size such as "10MiB", "512KiB" or a number of bytes')
    amount, unit = match.groups()
    return int(float(amount) * _SIZE_UNITS[unit])


def format_duration(value: timedelta) -> str:
    """The shortest exact "<n>s|m|h|d" spelling of a duration."""
    seconds = value.total_seconds()
    for unit in ("d", "h", "m"):
        size = _DURATION_UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration)]
ByteSize = Annotated[int, BeforeValidator(parse_size)]


def check_positive(value: timedelta) -> timedelta:
    """`value` if it is longer than zero; ValueError otherwise."""
    if value <= timedelta(0):
        raise ValueError("must be more than 0s")
    return value


PositiveDuration = Annotated[Duration, AfterValidator(check_positive)]


def scalar_kind(annotation: object) -> type | None:
    """bool, int or float when a field holds that scalar (optionally None); else None."""
    options = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else ()
    kinds = [option for option in options if option is not type(None)] or [annotation]
    for kind in (bool, int, float):
        if kinds == [kind]:
            return kind
    return None


class StrictScalars(BaseModel):
    """Config models whose booleans and numbers are what TOML wrote, never coerced.

    pydantic would read "yes" or 1 as true and "5" as 5; in a config file those are mistakes
    to report at their key, not to guess at.
    """

    @field_validator("*", mode="before")
    @classmethod
    def _strict_scalars(cls, value: object, info: ValidationInfo) -> object:
        field = cls.model_fields.get(info.field_name or "")
        if field is None or any(isinstance(rule, BeforeValidator) for rule in field.metadata):
            return value  # a field that parses text on purpose ("10MiB")
        kind = scalar_kind(field.annotation)
        if value is None or kind is None:
            return value
        if kind is bool and not isinstance(value, bool):
            raise ValueError("expected true or false")
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("expected a whole number")
        if kind is float and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError("expected a number")
        return value
