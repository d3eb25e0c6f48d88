"""What storage raises, apart from the modules that raise it, so a caller can catch it cheaply.

    StorageError        the database could not be opened, reached, migrated or written, or a
                        stored value is invalid; its message never holds a password or SQL values
    UnknownSourceError  a source name nobody knows (LookupError)

This module imports no database library: the CLI's error handling and the read path that
avoids SQLAlchemy (storage.sqlite_reader) name these without loading one.
"""

from __future__ import annotations


class StorageError(Exception):
    """The database could not be opened, reached, migrated or written (no password in it)."""


class UnknownSourceError(LookupError):
    """A source name nobody knows: not configured (`--source NAME`), or with no state row yet."""
