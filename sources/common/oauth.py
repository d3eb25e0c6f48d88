"""OAuth 2.0 for a polling daemon: a refresh token exchanged for short-lived access tokens.

    AccessTokens.get(http)          a cached token, or a new one from the token endpoint
    AccessTokens.authorized_get()   GET with `Authorization: Bearer`; on 401 one fresh token and
                                    one retry; still 401 → SourceAuthError saying what to redo
    AccessTokens.authorized()       the same for PUT and DELETE (a 401 means nothing was done,
                                    so sending again with a fresh token cannot act twice)

A token is cached (per process, per grant) until `EXPIRY_MARGIN` before Google says it expires, so
a daemon polling every 30 minutes asks the token endpoint about once an hour, not every poll.

The token endpoint answers errors as RFC 6749 section 5.2 says: `{"error": "invalid_grant",
"error_description": "Token has been expired or revoked."}`. `invalid_grant` means the refresh
token is dead (revoked, password changed, a "Testing" consent screen's 7-day limit): a person must
authorise again. The refresh is a form-encoded POST (`grant_type=refresh_token&refresh_token=…&
client_id=…&client_secret=…`, RFC 6749 section 6), as Google documents it. The client secret,
refresh token and access tokens are `Secret`s: they travel only in the request body or the
Authorization header and never appear in a message.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.config.secrets import Secret
from sources.errors import SourceAuthError, SourceFormatError
from sources.http import PoliteClient, Response

# Refresh this long before the stated expiry: a token must not expire between check and use.
EXPIRY_MARGIN = timedelta(minutes=5)
# Google's access tokens live an hour; a response without `expires_in` is trusted this long.
DEFAULT_LIFETIME = timedelta(minutes=30)
TOKEN_ERROR_STATUSES = frozenset({400, 401, 403})


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RefreshGrant:
    """What the token endpoint needs, and what to tell a person when it refuses."""

    token_url: str
    client_id: Secret
    client_secret: Secret
    refresh_token: Secret
    redo: str  # what to do when the grant is dead, e.g. "make a new refresh token (docs/...)"

    @property
    def cache_key(self) -> str:
        """A key for this grant that holds no secret (a hash of the endpoint and the tokens)."""
        parts = (self.token_url, self.client_id.reveal(), self.refresh_token.reveal())
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A bearer token, when we stop using it, and the scopes it was granted (None: not said)."""

    value: Secret
    use_until: datetime
    scopes: frozenset[str] | None = None


def token_from_response(response: Response, now: datetime) -> AccessToken:
    """The access token in a successful token response; SourceFormatError if there is none."""
    payload = response.json()
    token = payload.get("access_token") if isinstance(payload, Mapping) else None
    if not isinstance(token, str) or not token:
        raise SourceFormatError(f"{response.label}: the token response has no access_token")
    lifetime = DEFAULT_LIFETIME
    expires_in = payload.get("expires_in")
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
        lifetime = max(timedelta(seconds=expires_in) - EXPIRY_MARGIN, timedelta(0))
    # RFC 6749 section 5.1: `scope`, space-separated; Google sends it with every refresh.
    scope = payload.get("scope")
    scopes = frozenset(scope.split()) if isinstance(scope, str) else None
    return AccessToken(Secret(token), now + lifetime, scopes)


def token_refusal(response: Response, grant: RefreshGrant) -> SourceAuthError:
    """The error for a refused token request, naming the OAuth error code (never a value)."""
    payload: Any = None
    try:
        payload = response.json()
    except SourceFormatError:
        pass
    code = payload.get("error") if isinstance(payload, Mapping) else None
    code = code if isinstance(code, str) and code.isascii() and len(code) < 40 else None
    if code == "invalid_grant":
        return SourceAuthError(
            f"{response.label}: the refresh token was refused (invalid_grant: expired or"
            f" revoked): {grant.redo}"
        )
    if code in ("invalid_client", "unauthorized_client"):
        return SourceAuthError(
            f"{response.label}: the OAuth client was refused ({code}): check the client id and"
            f" client secret, then {grant.redo}"
        )
    return SourceAuthError(
        f"{response.label}: the token endpoint refused us (HTTP {response.status}"
        f"{', ' + code if code else ''}): {grant.redo}"
    )


class AccessTokens:
    """Access tokens per grant, shared by every poll in this process."""

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        self._tokens: dict[str, AccessToken] = {}
        # A lock belongs to one event loop; each `asyncio.run` (a CLI scan) has its own.
        self._locks: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Lock]] = {}
        self.exchanges = 0  # token requests made, for tests and the scan summary

    def forget(self, grant: RefreshGrant, token: AccessToken) -> None:
        """Drop `token` from the cache (it was refused), unless a newer one has replaced it."""
        if self._tokens.get(grant.cache_key) is token:
            del self._tokens[grant.cache_key]

    async def get(self, http: PoliteClient, grant: RefreshGrant) -> AccessToken:
        """A token valid for a while yet: the cached one, else one from the token endpoint."""
        token, _requests = await self._get(http, grant)
        return token

    async def _get(self, http: PoliteClient, grant: RefreshGrant) -> tuple[AccessToken, int]:
        """The token, and how many token requests it took (0 or 1)."""
        key = grant.cache_key
        # One refresh per grant at a time: two sources polled at once share the new token.
        async with self._lock_for(key):
            cached = self._tokens.get(key)
            if cached is not None and self._clock() < cached.use_until:
                return cached, 0
            token = await self._exchange(http, grant)
            self._tokens[key] = token
            return token, 1

    def _lock_for(self, key: str) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        known = self._locks.get(key)
        if known is None or known[0] is not loop:
            known = self._locks[key] = (loop, asyncio.Lock())
        return known[1]

    async def _exchange(self, http: PoliteClient, grant: RefreshGrant) -> AccessToken:
        self.exchanges += 1
        # RFC 6749 section 6: a form, not JSON; an endpoint that follows the RFC refuses JSON.
        response = await http.post(
            grant.token_url,
            form={
                "grant_type": "refresh_token",
                "client_id": grant.client_id.reveal(),
                "client_secret": grant.client_secret.reveal(),
                "refresh_token": grant.refresh_token.reveal(),
            },
            headers={"Accept": "application/json"},
            ok_statuses=TOKEN_ERROR_STATUSES,
        )
        if response.status in TOKEN_ERROR_STATUSES:
            raise token_refusal(response, grant)
        return token_from_response(response, self._clock())

    async def authorized_get(
        self,
        http: PoliteClient,
        grant: RefreshGrant,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        ok_statuses: Collection[int] = (),
    ) -> Authorized:
        """GET with a bearer token; on 401 one fresh token and one retry, then SourceAuthError."""
        return await self.authorized(
            http, grant, "GET", url, params=params, ok_statuses=ok_statuses
        )

    async def authorized(
        self,
        http: PoliteClient,
        grant: RefreshGrant,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        ok_statuses: Collection[int] = (),
    ) -> Authorized:
        """GET, PUT or DELETE with a bearer token; a 401 gets one fresh token and one retry."""
        statuses = frozenset(ok_statuses) | {401}
        requests = 0
        for attempt in ("cached", "fresh"):
            token, exchanged = await self._get(http, grant)
            response = await bearer_request(http, method, url, token, params, json, statuses)
            requests += exchanged + 1
            if response.status != 401:
                return Authorized(response, requests)
            # Revoked or expired early: a fresh token, once; a refused fresh one won't get better.
            self.forget(grant, token)
            if attempt == "fresh":
                break
        raise SourceAuthError(
            f"{response.label}: a freshly issued access token was refused (HTTP 401): {grant.redo}"
        )


@dataclass(frozen=True, slots=True)
class Authorized:
    """A response to an authorised request, and the HTTP requests it took (token ones too)."""

    response: Response
    requests: int


async def bearer_request(
    http: PoliteClient,
    method: str,
    url: str,
    token: AccessToken,
    params: Mapping[str, str | int] | None,
    json: Any,
    ok_statuses: Collection[int],
) -> Response:
    """`method` `url` with the token in the Authorization header (the only place it travels)."""
    headers = {"Authorization": f"Bearer {token.value.reveal()}"}
    if method == "GET":
        return await http.get(url, params=params, headers=headers, ok_statuses=ok_statuses)
    if method == "PUT":
        return await http.put(url, json=json, headers=headers, ok_statuses=ok_statuses)
    if method == "DELETE":
        return await http.delete(url, headers=headers, ok_statuses=ok_statuses)
    raise ValueError(f"no bearer requests by {method}")


# One cache for the process: the daemon's polls reuse a token until shortly before it expires.
shared_tokens = AccessTokens()
