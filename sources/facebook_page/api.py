"""The Graph API through the shared client: the token, paging, Graph errors and usage headers.

The Page token travels as the `access_token` parameter (and `appsecret_proof` when an app
secret is configured). Both are registered with the redacting log filter, and every message
names the request by host and path only (the client's label), never by its query string.

Graph errors come as a JSON `error` object with HTTP 400/401/403/500; the client is told to hand
those bodies back (`ok_statuses`) so the error code, not the status, decides what failed:

    190                         SourceAuthError: token expired/invalid (the subcode says why)
    4, 17, 32, 613, 80000–80014  SourceRateLimitedError: back off until usage recovers
    10, 200–299                 SourceAuthError: a permission is missing (named)
    12                          GraphDeprecatedError: the edge is gone in this version
    1, 2                        SourceUnavailableError: transient, asked again next poll
    368                         SourceBlockedError: temporarily blocked for policy reasons
    anything else               SourceUnavailableError with Graph's code and words

`paging.next` is followed by taking its query onto our own `api_url`, so the token is only ever
sent to the configured host, whatever a response's links say.

`post` (replies and hiding, sources/facebook_page/moderation.py) sends its parameters and the
token as a form body; a missing permission is then named as the one writes need
(`pages_manage_engagement`), and Graph's transient codes 1 and 2 mean the write may or may not
have been done (SourceNoAnswerError), so the caller looks before sending it again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.config.secrets import Secret, register
from monitor.times import utc_iso
from sources.common.text import masked_line
from sources.errors import (
    SourceAuthError,
    SourceBlockedError,
    SourceError,
    SourceFormatError,
    SourceNoAnswerError,
    SourceRateLimitedError,
    SourceUnavailableError,
)
from sources.facebook_page.parse import (
    GraphProblem,
    Page,
    graph_problem,
    parse_page,
    regain_minutes,
    usage_percent,
)
from sources.http import PoliteClient, Response

# Graph's error bodies arrive with these statuses; 429 and 503 stay with the client.
GRAPH_ERROR_STATUSES = (400, 401, 403, 404, 500)
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=30)
SECRET_PARAMETERS = ("access_token", "appsecret_proof")
MESSAGE_LIMIT = 200  # Graph's own words quoted in an error

TOKEN_PROBLEMS = {
    458: "the app was removed from the account that made the token",
    459: "the account is checkpointed (Facebook wants its owner to log in)",
    460: "the password of the account that made the token was changed",
    463: "the token has expired",
    464: "the account that made the token is unconfirmed",
    467: "the token is invalid (logged out, or replaced by a newer one)",
    492: "the session is invalid (the account lost its role on the Page?)",
}
PERMISSIONS = "pages_read_engagement and pages_read_user_content"
WRITE_PERMISSION = "pages_manage_engagement"
# What is read of a comment, by the poll and when a reply just posted is read back.
COMMENT_FIELDS = (
    "id,message,created_time,from{id,name},permalink_url,parent{id},comment_count,is_hidden,"
    "can_hide"
)
TRANSIENT_CODES = frozenset({1, 2})


class GraphDeprecatedError(SourceFormatError):
    """Graph API error 12: the edge or field no longer exists in the pinned version."""


class GraphObjectMissingError(SourceError):
    """Graph API error 100/33 or 803: the object (page or post) does not exist or is hidden."""


@dataclass(frozen=True, slots=True)
class GraphReply:
    """A successful Graph answer: the JSON body and the share of quota used (0–100), if told."""

    payload: Any
    usage: float | None


class GraphSession:
    """Graph API calls for one Page: the token added, errors mapped, requests and usage counted."""

    def __init__(
        self,
        http: PoliteClient,
        *,
        api_url: str,
        api_version: str,
        token: Secret,
        app_secret: Secret | None = None,
        token_hint: str = "the configured token",  # noqa: S107 (where it lives, not a token)
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.http = http
        self.base = f"{api_url.rstrip('/')}/{api_version}"
        self.version = api_version
        self.token_hint = token_hint
        self._auth = {"access_token": token.reveal()}
        if app_secret is not None:
            proof = hmac.new(
                app_secret.reveal().encode(), token.reveal().encode(), hashlib.sha256
            ).hexdigest()
            register(proof)  # a proof lets its holder call Graph as us: mask it like the token
            self._auth["appsecret_proof"] = proof
        self._clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.requests = 0
        self.peak_usage: float | None = None
        self.regain: timedelta | None = None  # Facebook's latest estimate of a quota's recovery

    async def get(self, path: str, params: Mapping[str, str]) -> GraphReply:
        """The JSON of GET {api_url}/{version}/{path}; a Graph error becomes a SourceError."""
        query = {key: value for key, value in params.items() if key not in SECRET_PARAMETERS}
        self.requests += 1
        response = await self.http.get(
            f"{self.base}/{path.strip('/')}",
            params={**query, **self._auth},
            ok_statuses=GRAPH_ERROR_STATUSES,
        )
        return self.answer(response, PERMISSIONS)

    async def post(self, path: str, form: Mapping[str, str]) -> GraphReply:
        """The JSON of POST {api_url}/{version}/{path} (a write: sent once, never retried here)."""
        fields = {key: value for key, value in form.items() if key not in SECRET_PARAMETERS}
        self.requests += 1
        response = await self.http.post(
            f"{self.base}/{path.strip('/')}",
            form={**fields, **self._auth},
            ok_statuses=GRAPH_ERROR_STATUSES,
        )
        return self.answer(response, WRITE_PERMISSION, write=True)

    def answer(self, response: Response, needs: str, *, write: bool = False) -> GraphReply:
        """A response's JSON and usage; a Graph error becomes a SourceError."""
        usage = usage_percent(response.headers)
        if usage is not None:
            self.peak_usage = max(usage, self.peak_usage or 0.0)
        minutes = regain_minutes(response.headers)
        if minutes:
            self.regain = timedelta(minutes=minutes)
        if response.status >= 300:
            try:
                payload = response.json()
            except SourceFormatError:
                payload = None  # an HTML error page from a proxy: the status says enough
            raise self.error(graph_problem(payload), response, needs, write=write)
        payload = response.json()
        problem = graph_problem(payload)
        if problem is not None:
            raise self.error(problem, response, needs, write=write)
        return GraphReply(payload, usage)

    async def pages(
        self, path: str, params: Mapping[str, str], *, max_pages: int
    ) -> AsyncIterator[Page]:
        """Each page of an edge, following `paging.next` until it is absent (or `max_pages`)."""
        query: Mapping[str, str] = params
        for _ in range(max_pages):
            reply = await self.get(path, query)
            page = parse_page(reply.payload, f"{self.version}/{path}")
            yield page
            if page.next_query is None:
                return
            # An empty page with `next` is not the end; neither is a short one.
            query = page.next_query

    def error(
        self,
        problem: GraphProblem | None,
        response: Response,
        needs: str = PERMISSIONS,
        *,
        write: bool = False,
    ) -> SourceError:
        """The SourceError for a Graph error object (or an error status without one).

        `needs` names the permissions the request takes; for a `write`, Graph's transient
        codes leave it unknown whether the change was made (SourceNoAnswerError).
        """
        label = response.label
        if problem is None:
            message = f"{label}: HTTP {response.status} without a Graph API error object"
            if response.status == 401:
                return SourceAuthError(f"{message}; check the Page access token")
            return SourceUnavailableError(message)
        if write and problem.code in TRANSIENT_CODES:
            said = masked_line(problem.message, MESSAGE_LIMIT)
            return SourceNoAnswerError(f"{label}: Graph API error {problem.code}: {said}")
        retry_at = self._clock() + self.regain_wait(DEFAULT_RATE_LIMIT_WAIT)
        return describe_problem(problem, label, self.token_hint, self.version, retry_at, needs)

    def regain_wait(self, default: timedelta) -> timedelta:
        """How long Facebook expects a quota to take to recover, else `default`."""
        return self.regain if self.regain is not None else default


def describe_problem(
    problem: GraphProblem,
    label: str,
    token_hint: str,
    version: str,
    retry_at: datetime,
    needs: str = PERMISSIONS,
) -> SourceError:
    """One readable line (what failed, why, what to do) as the right SourceError."""
    code = problem.code
    said = f"Graph API error {code}" + (f"/{problem.subcode}" if problem.subcode else "")
    # Graph's words are quoted for the operator; a token some error text echoes is masked.
    detail = f"{said}: {masked_line(problem.message, MESSAGE_LIMIT)}"
    if problem.fbtrace_id:
        detail += f" (fbtrace_id {masked_line(problem.fbtrace_id, 60)})"
    if code in (190, 102):
        why = TOKEN_PROBLEMS.get(problem.subcode or 0, "the token is invalid or has expired")
        return SourceAuthError(
            f"{label}: the Page access token no longer works: {why}. Make a new long-lived Page"
            f" token (docs/sources/facebook.md) and put it in {token_hint}. [{detail}]"
        )
    if code in RATE_LIMIT_CODES:
        until = utc_iso(retry_at, "seconds")
        return SourceRateLimitedError(
            f"{label}: Facebook says too many calls; not asked again before {until}. [{detail}]",
            retry_at,
        )
    if code == 10 or (code is not None and 200 <= code <= 299):
        return SourceAuthError(
            f"{label}: the token lacks a permission: it needs {needs} (and the person who"
            f" made it a role on the Page). [{detail}]"
        )
    if code == 12:
        return GraphDeprecatedError(
            f"{label}: this edge or field is deprecated in Graph API {version} and cannot be"
            f" read; not retried until the monitor is updated. [{detail}]"
        )
    if code == 368:
        return SourceBlockedError(f"{label}: Facebook has temporarily blocked the app. [{detail}]")
    if code == 803 or (code == 100 and problem.subcode == 33):
        return GraphObjectMissingError(
            f"{label}: the object does not exist or cannot be seen with this token: check"
            f" page_id. [{detail}]"
        )
    return SourceUnavailableError(f"{label}: [{detail}]")
