"""Google's `google.rpc.Status` error bodies as one readable SourceError line saying what to fix.

    {"error": {"code": 403, "status": "PERMISSION_DENIED", "message": "...",
               "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "SERVICE_DISABLED", "metadata": {"service": "..."}}]}}

Older Google APIs put the reason in `error.errors[].reason` ("accessNotConfigured"); both are read.

    429 / RESOURCE_EXHAUSTED, a quota limit of 0   SourceBlockedError: access not granted yet
    429 / RESOURCE_EXHAUSTED                       SourceRateLimitedError(retry_at)
    API_KEY_INVALID, API_KEY_*_BLOCKED, 401        SourceAuthError (the key or the grant to fix)
    SERVICE_DISABLED / accessNotConfigured         SourceAuthError (enable the API in the project)
    ACCESS_TOKEN_SCOPE_INSUFFICIENT                SourceAuthError (authorise with the right scope)
    other 403 PERMISSION_DENIED                    SourceAuthError
    404 NOT_FOUND                                  SourceUnavailableError with the caller's hint
    400 naming the field mask                      SourceFormatError (our request is wrong)
    anything else                                  SourceUnavailableError with Google's message

Google's own message is quoted only where no explanation of ours fits, every registered secret
masked and then cut short; a URL never appears (Google's messages name console pages, not keys).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sources.common.text import masked_line
from sources.errors import (
    SourceAuthError,
    SourceBlockedError,
    SourceError,
    SourceFormatError,
    SourceRateLimitedError,
    SourceUnavailableError,
)
from sources.http import Response
from sources.http.hosts import retry_deadline

# The statuses an adapter accepts from PoliteClient so it can read the error body itself;
# 5xx stay with the client, which retries them.
GOOGLE_ERROR_STATUSES = frozenset({400, 401, 403, 404, 429})

# Google's per-minute quotas refill within the minute; a daily one needs longer.
MINUTE_QUOTA_WAIT = 60.0
DAILY_QUOTA_WAIT = 3600.0
MESSAGE_LIMIT = 160

KEY_REASONS = frozenset(
    {"API_KEY_INVALID", "API_KEY_SERVICE_BLOCKED", "API_KEY_HTTP_REFERRER_BLOCKED",
     "API_KEY_IP_ADDRESS_BLOCKED", "API_KEY_ANDROID_APP_BLOCKED", "API_KEY_IOS_APP_BLOCKED"}
)  # fmt: skip
DISABLED_REASONS = frozenset({"SERVICE_DISABLED", "accessNotConfigured"})
SCOPE_REASONS = frozenset({"ACCESS_TOKEN_SCOPE_INSUFFICIENT", "insufficientPermissions"})


@dataclass(frozen=True, slots=True)
class GoogleStatus:
    """The parts of a `google.rpc.Status` error that decide what to tell the user."""

    code: int
    status: str
    message: str
    reasons: tuple[str, ...]
    metadata: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ErrorHints:
    """What the calling adapter knows about its own errors: which key and what to fix."""

    service: str  # "Places API", "Business Profile API"
    not_found: str  # what a 404 means for this source and what to do
    credential: str  # where the credential is configured, e.g. "api_key_env"


def parse_status(body: bytes, http_status: int) -> GoogleStatus:
    """The error's code, status, reasons and metadata; an unreadable body gives empty fields."""
    try:
        payload: Any = json.loads(body)
    except (ValueError, RecursionError):
        payload = None
    error = payload.get("error") if isinstance(payload, Mapping) else None
    if not isinstance(error, Mapping):
        return GoogleStatus(http_status, "", "", (), {})
    reasons: list[str] = []
    metadata: dict[str, str] = {}
    for entry in [*as_list(error.get("details")), *as_list(error.get("errors"))]:
        if isinstance(entry, Mapping):
            if isinstance(entry.get("reason"), str):
                reasons.append(entry["reason"])
            if isinstance(entry.get("metadata"), Mapping):
                metadata.update({str(k): str(v) for k, v in entry["metadata"].items()})
    code = error.get("code")
    return GoogleStatus(
        code if isinstance(code, int) and not isinstance(code, bool) else http_status,
        str(error.get("status") or ""),
        str(error.get("message") or ""),
        tuple(reasons),
        metadata,
    )


def as_list(value: object) -> list[Any]:
    """`value` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def google_error(response: Response, hints: ErrorHints, now: datetime) -> SourceError:
    """The SourceError for a Google error response (status 400, 401, 403, 404 or 429)."""
    status = parse_status(response.content, response.status)
    label = f"{hints.service} ({response.label})"
    said = f" (Google said: {masked_line(status.message, MESSAGE_LIMIT)})" if status.message else ""
    reasons = set(status.reasons)
    if response.status == 429 or status.status == "RESOURCE_EXHAUSTED":
        return quota_error(response, status, label, now)
    if reasons & KEY_REASONS:
        return SourceAuthError(
            f"{label}: the API key was refused ({', '.join(sorted(reasons & KEY_REASONS))}):"
            f" check the key named by {hints.credential}, and that its API restrictions allow"
            f" the {hints.service}"
        )
    if reasons & DISABLED_REASONS:
        service = status.metadata.get("service", hints.service)
        return SourceAuthError(
            f"{label}: {service} is not enabled in the Google Cloud project of these credentials:"
            " enable it under APIs & Services → Library, wait a few minutes and scan again"
        )
    if reasons & SCOPE_REASONS:
        return SourceAuthError(
            f"{label}: the token lacks the OAuth scope this API needs: authorise again with the"
            " scope given in docs/sources/google.md"
        )
    return status_error(response.status, status, label, said, hints)


def status_error(
    http_status: int, status: GoogleStatus, label: str, said: str, hints: ErrorHints
) -> SourceError:
    """The error for a Google status with no special reason."""
    if http_status == 401 or status.status == "UNAUTHENTICATED":
        return SourceAuthError(f"{label}: the credentials were refused{said}")
    if http_status == 403 or status.status == "PERMISSION_DENIED":
        return SourceAuthError(
            f"{label}: permission denied{said}: check {hints.credential} and its access"
        )
    if http_status == 404 or status.status == "NOT_FOUND":
        return SourceUnavailableError(f"{label}: not found: {hints.not_found}")
    if "fieldmask" in status.message.lower().replace(" ", ""):
        return SourceFormatError(
            f"{label}: Google refused the request's field mask{said}; a proxy may have dropped"
            " the X-Goog-FieldMask header"
        )
    return SourceUnavailableError(f"{label}: HTTP {http_status} {status.status}{said}".strip())


def quota_error(response: Response, status: GoogleStatus, label: str, now: datetime) -> SourceError:
    """Over quota: wait and ask again, unless the quota is zero (access not granted yet)."""
    if status.metadata.get("quota_limit_value") == "0":
        return SourceBlockedError(
            f"{label}: the project's quota for this API is 0, which means Google has not yet"
            " granted it access: submit the API access request form (see docs/sources/google.md)"
            " and scan again once Google approves it"
        )
    daily = "day" in status.metadata.get("quota_limit", "").lower()
    default = DAILY_QUOTA_WAIT if daily else MINUTE_QUOTA_WAIT
    retry_at = retry_deadline(response.headers.get("Retry-After"), now, default)
    wait = max(retry_at - now, timedelta(0))
    return SourceRateLimitedError(
        f"{label}: over Google's quota (RESOURCE_EXHAUSTED); asking again in"
        f" {int(wait.total_seconds())}s",
        retry_at,
    )
