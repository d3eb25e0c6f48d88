"""Why a poll of a source failed, as one readable line with no secret in it.

    SourceError
    ├── SourceAuthError          credentials missing, refused or expired (health: auth_expired)
    ├── SourceRateLimitedError   429/503 with Retry-After, maxlag: not asked again before `retry_at`
    ├── SourceBlockedError       robots.txt disallows, or the site refuses us (health: blocked)
    ├── SourceFormatError        an unexpected response shape (health: parser_broken)
    └── SourceUnavailableError   network errors, timeouts, 5xx, body too large (health: failing)
        └── SourceNoAnswerError  a request got no complete answer: it may or may not have acted

Adapters and the HTTP client raise these; the scan records `str(error)` and the health.
Messages name a host or a page title, never a URL that may carry a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from monitor.model import Health


class SourceError(Exception):
    """A poll of one source failed; `str()` is one line fit for the user and the database.

    `cursor`, when an adapter sets it, is state to keep despite the failure (Mumsnet counts
    refusals in a row there); `retry_at`, when set, is the earliest time to poll again.
    """

    health: Health = Health.FAILING
    cursor: Mapping[str, Any] | None = None
    retry_at: datetime | None = None

    def __init__(self, message: str) -> None:
        # One line: a multi-line body from a server must not spread into logs or mail headers.
        super().__init__(" ".join(message.split()))


class SourceAuthError(SourceError):
    """Credentials are missing, wrong or expired: a person must reconnect the source."""

    health = Health.AUTH_EXPIRED


class SourceRateLimitedError(SourceError):
    """The service asked us to wait; `retry_at` (UTC) is the earliest time to ask again."""

    def __init__(self, message: str, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class SourceBlockedError(SourceError):
    """We may not fetch this (robots.txt) or the site refuses us."""

    health = Health.BLOCKED


class SourceFormatError(SourceError):
    """The response had an unexpected shape: the service changed or sent an error page."""

    health = Health.PARSER_BROKEN


class SourceUnavailableError(SourceError):
    """The service could not be reached or failed (timeouts, 5xx, oversized bodies)."""


class SourceNoAnswerError(SourceUnavailableError):
    """No complete answer came (timeout, connection lost, 5xx): a write may have been done.

    A caller that changes something at the service (a reply, a hidden comment) looks whether
    the change landed before it sends the request again.
    """
