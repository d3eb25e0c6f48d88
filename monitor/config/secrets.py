"""Secret values: read where a config key says (monitor.config.references), never shown.

A `Secret` hides its value from `repr`, `str`, logs and pydantic dumps; code that needs the value
calls `reveal()`. Every secret resolved is also registered with `RedactingFilter`, which masks it in
any log record, as a second line of defence for text we do not control (library messages).
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from pathlib import Path

MASK = "***"

_registered: set[str] = set()
_lock = threading.Lock()


class SecretError(ValueError):
    """A secret reference could not be resolved; the message names the reference, not the value."""


class Secret:
    """A string that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        register(value)

    def reveal(self) -> str:
        """The secret value, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def register(value: str) -> None:
    """Remember a value so log records never show it (values under 4 characters are not masked)."""
    if len(value) >= 4:
        with _lock:
            _registered.add(value)


def redact(text: str) -> str:
    """`text` with every registered secret replaced by ***."""
    with _lock:
        values = sorted(_registered, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Masks registered secrets in a log record's message, arguments and exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def from_env(variable: str) -> Secret:
    """The value of an environment variable; unset or empty is an error naming the variable."""
    value = os.environ.get(variable)
    if not value:
        raise SecretError(f"environment variable {variable} is not set")
    return Secret(value.strip())


def from_file(path: Path) -> Secret:
    """The stripped contents of a file that only its owner may read or write."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise SecretError(f"cannot read secret file {path}: {error.strerror}") from None
    # Writable by others is as bad as readable: whoever can write it chooses the token we send
    # (a webhook's app secret, an SMTP server's password), or empties it to stop the service.
    readable = bool(mode & (stat.S_IRGRP | stat.S_IROTH))
    writable = bool(mode & (stat.S_IWGRP | stat.S_IWOTH))
    if readable or writable:
        what = " and ".join(
            word for word, loose in (("readable", readable), ("writable", writable)) if loose
        )
        raise SecretError(
            f"secret file {path} is {what} by group or others (mode {stat.S_IMODE(mode):04o});"
            f" run: chmod 600 {path}"
        )
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise SecretError(f"cannot read secret file {path}: {error.strerror}") from None
    if not value:
        raise SecretError(f"secret file {path} is empty")
    return Secret(value)


def from_credential(name: str) -> Secret:
    """A systemd credential (`LoadCredential=`) read from $CREDENTIALS_DIRECTORY."""
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if not directory:
        raise SecretError(
            f"credential {name!r} needs $CREDENTIALS_DIRECTORY (set by systemd LoadCredential=)"
        )
    # systemd makes credential files owner-only, but check as for any secret file.
    return from_file(Path(directory) / name)
