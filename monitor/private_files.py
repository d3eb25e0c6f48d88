"""Files only their owner may read or write (0600), whatever the umask the command runs under.

The database holds parents' names and posts, and so does a digest preview; under the usual
umask 022 they would be created readable by every user of the machine. A file is created 0600
from the start (never briefly wider) and set to 0600 exactly, as a umask of 0 would otherwise
leave it wider. SQLite gives the -wal and -shm files it creates the main database file's
permissions, so creating the database file 0600 before SQLite opens it covers all three.
"""

from __future__ import annotations

import os
from pathlib import Path

OWNER_ONLY = 0o600


def create_private(path: Path) -> bool:
    """Create `path` empty and 0600 if it does not exist; True if this call created it."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    except FileExistsError:
        return False
    try:
        os.fchmod(descriptor, OWNER_ONLY)
    finally:
        os.close(descriptor)
    return True


def write_private(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path`, which is left readable and writable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY)
    # Also for a file that existed: what is written now is as private as a new file's.
    os.fchmod(descriptor, OWNER_ONLY)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
