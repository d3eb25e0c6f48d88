"""Config problems as people read them: pydantic's errors turned into key paths and plain words.

    describe_errors(error, prefix) -> [Problem]   e.g. (('sources', 'news', 'url'), 'invalid URL')
    format_problem(file, where, message) -> str  "config.toml: at 'sources.news.url': invalid URL"

Messages are built from pydantic's error type, context and location only, never from the value
given, so a secret pasted into the wrong key is not repeated back.
"""

from __future__ import annotations

import re

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from monitor.config.secrets import redact

# A key path (('sources', 'news', 'url')) and what is wrong there.
Problem = tuple[tuple[str | int, ...], str]

_MESSAGES = {
    "missing": "required",
    "extra_forbidden": "unknown key",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected a string",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "set_type": "expected a list",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
    "url_parsing": "invalid URL",
    "url_syntax_violation": "invalid URL",
    "url_type": "invalid URL",
    "url_too_long": "invalid URL: too long",
    "time_parsing": "expected a time such as 07:30",
}
_BOUNDS = {
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "literal_error": "expected one of {expected}",
    "url_scheme": "invalid URL: the scheme must be {expected_schemes}",
    "string_pattern_mismatch": "must match {pattern}",
    "too_long": "may hold at most {max_length} items",
}


def describe_errors(error: ValidationError, prefix: tuple[str | int, ...]) -> list[Problem]:
    """pydantic's errors as (key path, message) pairs; the offending values are never read."""
    return [
        ((*prefix, *_key_path(detail["loc"])), _message(detail))
        for detail in error.errors(include_url=False, include_input=False)
    ]


def _key_path(location: tuple[str | int, ...]) -> tuple[str | int, ...]:
    # pydantic adds markers for dict keys and validator wrappers; they are not config keys.
    return tuple(
        part
        for part in location
        if not (isinstance(part, str) and (part == "[key]" or part.startswith("function-")))
    )


def _message(detail: ErrorDetails) -> str:
    kind, context = detail["type"], detail.get("ctx", {})
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind in _BOUNDS:
        return _BOUNDS[kind].format(**context)
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        return f"needs at least {context['min_length']} item(s)"
    if kind in ("value_error", "assertion_error") and "error" in context:
        return str(context["error"])
    message = detail["msg"]
    return message[:1].lower() + message[1:]


def format_problem(file: str, where: tuple[str | int, ...], message: str) -> str:
    """One problem line; registered secrets are masked as well, in case a plug-in echoes one."""
    if not where:
        return redact(f"{file}: {message}")
    path = ""
    for part in where:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            key = part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else f'"{part}"'
            path += f".{key}" if path else key
    return redact(f"{file}: at '{path}': {message}")
