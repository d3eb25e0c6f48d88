"""Config keys saying where a secret lives (`<name>_env`, `_file`, `_credential`), not its value.

    EnvRef, FileRef, CredentialRef     the keys' types: validation resolves each once
    resolve(owner, name) -> Secret     the secret a config model's keys name, read when used

Apart from monitor.config.secrets (the values, their masking and the readers) because these are
pydantic types: a module that masks secrets in logs must not load the validation library.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, ValidationInfo

from monitor.config.secrets import Secret, SecretError, from_credential, from_env, from_file


def _check_env(variable: str) -> str:
    from_env(variable)
    return variable


def _check_file(path: str, info: ValidationInfo) -> str:
    # A relative path means the config file's folder, as the SQLite path does, not the folder
    # the command happens to run in.
    directory = info.context.get("directory") if isinstance(info.context, dict) else None
    full = Path(path).expanduser()
    if not full.is_absolute() and directory is not None:
        full = Path(directory) / full
    from_file(full)
    return str(full)


def _check_credential(name: str) -> str:
    from_credential(name)
    return name


# Config fields hold references, never values. Validation resolves each one once (so a missing
# variable or a loose file is reported at its key), and registers the value for log redaction.
EnvRef = Annotated[str, AfterValidator(_check_env)]
FileRef = Annotated[str, AfterValidator(_check_file)]
CredentialRef = Annotated[str, AfterValidator(_check_credential)]


def resolve(owner: object, name: str) -> Secret | None:
    """The secret `name` of a config model from its `name_env`, `_file` or `_credential` key."""
    readers: dict[str, Callable[[str], Secret]] = {
        "env": from_env,
        "file": lambda path: from_file(Path(path)),
        "credential": from_credential,
    }
    for kind, read in readers.items():
        reference = getattr(owner, f"{name}_{kind}", None)
        if reference:
            try:
                return read(reference)
            except SecretError as error:
                # Read again when used (a file loosened since the config was loaded): say which key.
                raise SecretError(f"{name}_{kind}: {error}") from None
    return None
