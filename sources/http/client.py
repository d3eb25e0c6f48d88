"""The one HTTP client every source adapter uses: polite, bounded, and quiet about URLs.

    PoliteClient.get(url, ...) / .post(url, json= or form=) / .put(url, json=) / .delete(url)
      │  host asked us to wait (Retry-After) and the time has not come? ──► SourceRateLimitedError
      │  robots=True and <origin>/robots.txt (cached 24 h) disallows?   ──► SourceBlockedError
      │      (in both cases nothing is sent; robots.txt is kept by sources/http/robots.py)
      │  wait for a slot on the host: `concurrency` in flight at most, starts `delay` s apart
      │      (sources/http/hosts.py)
      │  send; follow up to 5 redirects (http/https only), each hop gated like the first; a hop
      │      to another origin (scheme, host, port) carries no credential header and no body
      │  connect, headers and whole body within `timeout` s; at most `max_body` decoded bytes
      │      (gzip and deflate inflated as they arrive: sources/http/bodies.py)
      ▼
    Response: a 2xx, a 304 (conditional GET), or a status the caller lists in `ok_statuses`

What goes wrong and what the caller gets (the tree is drawn in sources/errors.py):

    network error, timeout, truncated body, 5xx   GET: retried `retries` times after backoff × 2ⁿ ×
                                                  jitter(0.5–1.5), then SourceNoAnswerError;
                                                  POST, PUT, DELETE: never retried (the server
                                                  may have acted): SourceNoAnswerError at once
    429, or 503 with Retry-After                  SourceRateLimitedError(retry_at); the host is not
                                                  asked again before retry_at
    401 / 403 / any other 4xx                     SourceAuthError / SourceBlockedError /
                                                  SourceUnavailableError
    body larger than max_body (a gzip bomb)       SourceUnavailableError, reading stops at once
    robots.txt: 4xx allows everything; 5xx, unreachable or a timeout disallows everything (asked
    again after 10 minutes); a disallowed URL is never requested.

Credentials are for the origin they were given to. On a redirect to another origin the request
loses Authorization, Proxy-Authorization, Cookie (the cookie jar is not consulted for that hop:
cookies ignore ports) and every header the caller named in `secret_headers` (an API key header);
a request whose body would be sent on (307/308; 301/302/303 turn a POST into a bodiless GET) is
refused with SourceUnavailableError, since the body of a POST here holds secrets (an OAuth
client secret and refresh token).

Every message is one line that starts with the request's label (host + path, or the caller's label
when the path itself is a secret, as a Google Alerts feed's is) and never holds a query string:
tokens travel there. Errors are raised `from None` because httpx's own messages carry URLs.

Logging: httpx logs every request's full URL at INFO on the "httpx" logger (httpcore at DEBUG),
so the CLI must keep the "httpx" and "httpcore" loggers at WARNING or above. This module logs
labels only.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import random
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any

import httpx

import monitor
from monitor.times import utc_iso
from sources.errors import (
    SourceAuthError,
    SourceBlockedError,
    SourceFormatError,
    SourceNoAnswerError,
    SourceRateLimitedError,
    SourceUnavailableError,
)
from sources.http.bodies import MIB, charset_of, read_body
from sources.http.hosts import HostGate, HostPolicy, retry_deadline
from sources.http.robots import ROBOTS_ALLOW_ALL_STATUSES, RobotsCache
from sources.http.transport import AiohttpTransport
from sources.http.urls import default_label, origin_of, parse_url

log = logging.getLogger(__name__)

PRODUCT = "reputation-monitor"  # the product token in the User-Agent and in robots.txt groups
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Headers that are credentials whoever sends them; an adapter adds its own (`secret_headers=`).
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def user_agent(contact: str) -> str:
    """The User-Agent Wikimedia's policy asks for: product/version (contact) library/version."""
    contact = " ".join(contact.split())  # a newline in config must not become a header injection
    return f"{PRODUCT}/{monitor.__version__} ({contact}) httpx/{httpx.__version__}"


@dataclass(frozen=True, slots=True)
class Response:
    """A complete response: status, final URL, headers and the decoded body."""

    status: int
    url: str = field(repr=False)  # may hold a token: kept out of repr, so out of logs
    headers: httpx.Headers
    content: bytes = field(repr=False)
    label: str

    @property
    def not_modified(self) -> bool:
        """True for 304: the conditional GET found nothing new."""
        return self.status == 304

    @property
    def etag(self) -> str | None:
        """The ETag header, to send back as `etag=` next time."""
        value: str | None = self.headers.get("ETag")
        return value

    @property
    def last_modified(self) -> str | None:
        """The Last-Modified header, to send back as `last_modified=` next time."""
        value: str | None = self.headers.get("Last-Modified")
        return value

    @property
    def text(self) -> str:
        """The body decoded with the response charset (UTF-8 if none or unknown)."""
        return self.content.decode(charset_of(self.headers), errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON; SourceFormatError if it is not JSON."""
        try:
            return jsonlib.loads(self.content)
        except (ValueError, RecursionError):
            raise SourceFormatError(f"{self.label}: response is not valid JSON") from None


@dataclass(frozen=True, slots=True)
class Redirect:
    """A redirect response: its status and where it points (possibly relative)."""

    status: int
    location: str


class TransientFailure(Exception):
    """A failure worth another attempt (network, timeout, 5xx); never leaves this module."""


class PoliteClient:
    """The shared HTTP client: one per process, handed to every adapter."""

    def __init__(
        self,
        *,
        contact: str,
        timeout: float = 30.0,
        max_body: int = 10 * MIB,
        retries: int = 2,
        backoff: float = 1.0,
        default_retry_after: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if timeout <= 0 or max_body < 0 or retries < 0 or backoff < 0 or default_retry_after < 0:
            raise ValueError("timeout must be positive; sizes, counts and delays not negative")
        self.timeout = timeout
        self.max_body = max_body
        self.retries = retries
        self.backoff = backoff
        self.default_retry_after = default_retry_after
        self.user_agent = user_agent(contact)
        self.requests_made = 0
        self._clock = clock
        self._client = httpx.AsyncClient(
            # We decode bodies ourselves so the byte cap applies to inflated bytes as they appear.
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,  # followed here: each hop is gated, counted and capped
            transport=transport if transport is not None else AiohttpTransport(),
        )
        self._policies: dict[str, HostPolicy] = {}
        self._gates: dict[str, HostGate] = {}
        self._retry_at: dict[str, datetime] = {}
        self._robots = RobotsCache(agent=PRODUCT, fetch=self._fetch_robots, clock=clock)

    async def __aenter__(self) -> PoliteClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    def set_host_policy(self, host: str, *, concurrency: int = 2, delay: float = 0.0) -> None:
        """Limit requests in flight to `host`, and space their starts at least `delay` s apart."""
        if concurrency < 1 or delay < 0:
            raise ValueError("concurrency must be at least 1 and delay not negative")
        host = host.lower()
        policy = HostPolicy(concurrency, delay)
        if self._policies.get(host) == policy:
            return  # keep the gate: requests in flight under it still count
        self._policies[host] = policy
        self._gates.pop(host, None)

    def now(self) -> datetime:
        """The client's clock (UTC): adapters read "today" from it, so tests can set it."""
        return self._clock()

    def retry_at(self, host: str) -> datetime | None:
        """When `host` may be asked again, if it told us to wait and the time has not come."""
        host = host.lower()
        deadline = self._retry_at.get(host)
        if deadline is not None and self._clock() >= deadline:
            del self._retry_at[host]
            return None
        return deadline

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        robots: bool = False,
        label: str | None = None,
        ok_statuses: Collection[int] = (),
        secret_headers: Collection[str] = (),
    ) -> Response:
        """GET `url`, retried on transient failures: 2xx, 304 or an ok status, else SourceError.

        `secret_headers` names headers that hold a secret (an API key): like Authorization and
        Cookie, they go only to the origin of `url`, never on after a redirect to another.
        """
        target = parse_url(url, label)
        request_headers = httpx.Headers(headers)
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        if params:
            # httpx 0.28 would replace the URL's own query with `params`; callers expect both.
            target = target.copy_merge_params(dict(params))
        request = self._build("GET", target, request_headers)
        return await self._send(
            request,
            label or default_label(target),
            attempts=self.retries + 1,
            robots=robots,
            ok_statuses=frozenset(ok_statuses),
            secrets=credential_headers(secret_headers),
        )

    async def post(
        self,
        url: str,
        *,
        json: Any = None,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        label: str | None = None,
        ok_statuses: Collection[int] = (),
        secret_headers: Collection[str] = (),
    ) -> Response:
        """POST a JSON body or a form once, never retried (the server may have acted on it).

        `json=` sends `application/json`; `form=` sends `application/x-www-form-urlencoded`, the
        body OAuth 2.0 token endpoints take (RFC 6749 section 6). The body is never sent on to
        another origin: such a redirect is a SourceUnavailableError. Otherwise as `get`.
        """
        if (json is None) == (form is None):
            raise ValueError("post needs exactly one of json= and form=")
        return await self._write(
            "POST", url, json, form, headers, label, ok_statuses, secret_headers
        )

    async def put(
        self,
        url: str,
        *,
        json: Any,
        headers: Mapping[str, str] | None = None,
        label: str | None = None,
        ok_statuses: Collection[int] = (),
        secret_headers: Collection[str] = (),
    ) -> Response:
        """PUT a JSON body once, never retried; otherwise as `post`."""
        return await self._write(
            "PUT", url, json, None, headers, label, ok_statuses, secret_headers
        )

    async def delete(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        label: str | None = None,
        ok_statuses: Collection[int] = (),
        secret_headers: Collection[str] = (),
    ) -> Response:
        """DELETE once, never retried; otherwise as `post`."""
        return await self._write(
            "DELETE", url, None, None, headers, label, ok_statuses, secret_headers
        )

    async def _write(
        self,
        method: str,
        url: str,
        json: Any,
        form: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        label: str | None,
        ok_statuses: Collection[int],
        secret_headers: Collection[str],
    ) -> Response:
        """Send a request that may change something at the server: once, whatever happens."""
        target = parse_url(url, label)
        request = self._build(method, target, httpx.Headers(headers), json=json, form=form)
        return await self._send(
            request,
            label or default_label(target),
            attempts=1,
            robots=False,
            ok_statuses=frozenset(ok_statuses),
            secrets=credential_headers(secret_headers),
        )

    def _build(
        self,
        method: str,
        url: httpx.URL,
        headers: httpx.Headers,
        *,
        json: Any = None,
        form: Mapping[str, str] | None = None,
    ) -> httpx.Request:
        headers["User-Agent"] = self.user_agent  # the caller's headers may not hide who we are
        return self._client.build_request(method, url, headers=headers, json=json, data=form)

    async def _send(
        self,
        request: httpx.Request,
        label: str,
        *,
        attempts: int,
        robots: bool,
        ok_statuses: frozenset[int],
        secrets: frozenset[str] = CREDENTIAL_HEADERS,
    ) -> Response:
        """The response after up to `attempts` tries with jittered exponential backoff between."""
        attempt = 1
        while True:
            try:
                return await self._follow(request, label, robots, ok_statuses, secrets)
            except TransientFailure as failure:
                if attempt >= attempts:
                    after = f" (after {attempts} attempts)" if attempts > 1 else ""
                    raise SourceNoAnswerError(f"{failure}{after}") from None
                pause = self.backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
                log.info("%s; attempt %d of %d in %.2fs", failure, attempt + 1, attempts, pause)
                await asyncio.sleep(pause)
                attempt += 1

    async def _follow(
        self,
        request: httpx.Request,
        label: str,
        robots: bool,
        ok_statuses: frozenset[int],
        secrets: frozenset[str],
    ) -> Response:
        """The final response after following redirects, each hop checked like the first."""
        for _hop in range(MAX_REDIRECTS + 1):
            self._refuse_if_rate_limited(request.url.host)
            if robots:
                await self._robots.check(request.url, label)
            outcome = await self._exchange(request, label, ok_statuses)
            if isinstance(outcome, Response):
                return outcome
            request = self._redirect(request, outcome, label, secrets)
        raise SourceUnavailableError(f"{label}: more than {MAX_REDIRECTS} redirects")

    async def _exchange(
        self, request: httpx.Request, label: str, ok_statuses: frozenset[int]
    ) -> Response | Redirect:
        """One request and its whole response within the deadline, or the redirect it got."""
        async with self._gate(request.url.host).admit():
            began = time.monotonic()
            status = "-"
            size = 0
            try:
                async with asyncio.timeout(self.timeout):
                    self.requests_made += 1
                    response = await self._client.send(request, stream=True)
                    status = str(response.status_code)
                    try:
                        outcome = await self._settle(request, response, label, ok_statuses)
                    finally:
                        await response.aclose()
                    size = len(outcome.content) if isinstance(outcome, Response) else 0
                    return outcome
            except (TimeoutError, httpx.TimeoutException):
                status = "timeout"
                raise TransientFailure(
                    f"{label}: no complete response within {self.timeout:g}s"
                ) from None
            except httpx.TransportError as error:
                status = "network error"
                raise TransientFailure(f"{label}: {describe_network_error(error)}") from None
            finally:
                # One line per request for `monitor -v`: the label (host and path, never the
                # query string, where tokens travel), status, decoded bytes and milliseconds.
                elapsed = (time.monotonic() - began) * 1000
                log.debug("%s %s %s %d bytes %.0f ms", request.method, label, status, size, elapsed)

    async def _settle(
        self,
        request: httpx.Request,
        response: httpx.Response,
        label: str,
        ok_statuses: frozenset[int],
    ) -> Response | Redirect:
        status = response.status_code
        if status not in ok_statuses:
            if status in REDIRECT_STATUSES and "Location" in response.headers:
                return Redirect(status, response.headers["Location"])
            self._raise_for_status(request.url.host, response, label)
        content = await read_body(response, self.max_body, label)
        return Response(status, str(response.url), response.headers, content, label)

    def _raise_for_status(self, host: str, response: httpx.Response, label: str) -> None:
        status = response.status_code
        if 200 <= status < 300 or status == 304:
            return
        reason = describe_status(status)
        retry_after = response.headers.get("Retry-After")
        if status == 429 or (status == 503 and retry_after is not None):
            retry_at = retry_deadline(retry_after, self._clock(), self.default_retry_after)
            self._retry_at[host.lower()] = retry_at
            message = f"{label}: {reason}; rate limited until {utc_iso(retry_at, 'seconds')}"
            raise SourceRateLimitedError(message, retry_at)
        if status >= 500:
            raise TransientFailure(f"{label}: {reason}")
        if status == 401:
            raise SourceAuthError(f"{label}: {reason}")
        if status == 403:
            raise SourceBlockedError(f"{label}: {reason}")
        raise SourceUnavailableError(f"{label}: {reason}")

    def _redirect(
        self, request: httpx.Request, redirect: Redirect, label: str, secrets: frozenset[str]
    ) -> httpx.Request:
        """The request for the redirect's target, as a browser would make it, minus secrets."""
        try:
            target = request.url.join(redirect.location)
        except httpx.InvalidURL:
            raise SourceUnavailableError(f"{label}: redirected to an invalid URL") from None
        if target.scheme not in ("http", "https") or not target.host:
            raise SourceUnavailableError(f"{label}: redirected to a URL that is not http or https")
        headers = httpx.Headers(request.headers)
        headers.pop("Host", None)  # rebuilt for the new target
        method, content = request.method, request.content
        status = redirect.status
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, content = "GET", b""
            for name in ("Content-Length", "Content-Type", "Transfer-Encoding"):
                headers.pop(name, None)
        if origin_of(target) == origin_of(request.url):
            return self._client.build_request(method, target, headers=headers, content=content)
        # Another origin: a secret goes only to the origin it was configured for.
        if content:
            raise SourceUnavailableError(
                f"{label}: redirected (HTTP {status}) to another origin ({origin_of(target)});"
                " a request body is never sent on to another origin, so check the configured URL"
            )
        for name in secrets:
            headers.pop(name, None)
        # Built without the client's cookie jar, which would add this origin's cookies: cookies
        # ignore ports, so two origins on one host would share them.
        return httpx.Request(method, target, headers=headers, extensions=request.extensions)

    def _refuse_if_rate_limited(self, host: str) -> None:
        deadline = self.retry_at(host)
        if deadline is not None:
            raise SourceRateLimitedError(
                f"{host}: rate limited until {utc_iso(deadline, 'seconds')}", deadline
            )

    def _gate(self, host: str) -> HostGate:
        host = host.lower()
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = HostGate(self._policies.get(host, HostPolicy()))
        return gate

    async def _fetch_robots(self, robots_url: httpx.URL, label: str) -> Response:
        """robots.txt by the same road as any page, a client error returned rather than raised."""
        request = self._build("GET", robots_url, httpx.Headers())
        return await self._send(
            request,
            label,
            attempts=self.retries + 1,
            robots=False,
            ok_statuses=ROBOTS_ALLOW_ALL_STATUSES,
        )


def credential_headers(marked: Collection[str]) -> frozenset[str]:
    """The headers (lower case) never sent on to another origin: the standard ones and `marked`."""
    if isinstance(marked, str):
        raise TypeError("secret_headers is a collection of header names, not one string")
    return CREDENTIAL_HEADERS | {name.lower() for name in marked}


def describe_status(status: int) -> str:
    """ "HTTP 404 Not Found": the standard phrase, never the server's own words."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def describe_network_error(error: httpx.TransportError) -> str:
    """What went wrong on the wire, in words that hold no URL."""
    if isinstance(error, httpx.ConnectError):
        detail = str(error)
        # The OS's reason (refused, DNS, certificate) helps the operator; httpx's own texts
        # may quote the URL, so any text that looks like one is left out.
        if detail and len(detail) < 200 and "://" not in detail and "?" not in detail:
            return f"could not connect ({detail})"
        return "could not connect"
    if isinstance(error, httpx.RemoteProtocolError):
        return "connection closed before the response was complete"
    if isinstance(error, httpx.ReadError):
        return "connection lost while reading the response"
    if isinstance(error, httpx.WriteError):
        return "connection lost while sending the request"
    return f"network error ({type(error).__name__})"
