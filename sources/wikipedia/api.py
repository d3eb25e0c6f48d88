"""The wiki's Action API through the shared client: maxlag waits, error objects, a request count.

MediaWiki reports most errors in an HTTP 200 body (`{"error": {"code", "info"}}`). A `maxlag`
error is waited out (Retry-After seconds) a bounded number of times and then becomes
SourceRateLimitedError; `ratelimited` is one at once; any other code is a WikipediaApiError
whose message is the code and the wiki's explanation on one line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sources.errors import SourceRateLimitedError, SourceUnavailableError
from sources.http import PoliteClient
from sources.http.hosts import retry_deadline
from sources.wikipedia.parse import ApiProblem, api_problem

log = logging.getLogger(__name__)

DEFAULT_MAXLAG_WAIT = 5.0  # seconds, when a maxlag error carries no Retry-After
MAX_MAXLAG_WAIT = 30.0  # a longer wait ends the poll instead of holding it open
RATELIMITED_WAIT = 60.0  # seconds before asking again after error.code "ratelimited"


class WikipediaApiError(SourceUnavailableError):
    """The Action API answered with an error object; `code` is its `error.code`."""

    def __init__(self, problem: ApiProblem) -> None:
        super().__init__(problem.describe())
        self.code = problem.code


class WikiSession:
    """Action API calls through the shared client: maxlag waits, API errors, a request count."""

    def __init__(
        self, http: PoliteClient, api_url: str, *, maxlag: int, maxlag_retries: int
    ) -> None:
        self.http = http
        self.api_url = api_url
        self.maxlag = maxlag
        self.maxlag_retries = maxlag_retries
        self.requests = 0
        host = urlsplit(api_url).hostname
        if host:
            # Wikimedia asks for few concurrent requests; one at a time is plenty for us.
            http.set_host_policy(host, concurrency=1)

    async def call(self, params: Mapping[str, str], label: str) -> Mapping[str, Any]:
        """The JSON answer to one API request; waits out maxlag a bounded number of times."""
        query = {"format": "json", "formatversion": "2", "maxlag": str(self.maxlag)}
        query.update(params)
        attempt = 0
        while True:
            self.requests += 1
            response = await self.http.get(self.api_url, params=query, label=label)
            payload = response.json()
            problem = api_problem(payload)
            if problem is None:
                return payload  # type: ignore[no-any-return]
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if problem.code == "maxlag" and attempt < self.maxlag_retries:
                if wait <= MAX_MAXLAG_WAIT:
                    attempt += 1
                    log.info("%s: database lag, waiting %gs: %s", label, wait, problem.info)
                    await asyncio.sleep(wait)
                    continue
            raise api_error(problem, wait, label)


def retry_after_seconds(value: str | None) -> float:
    """Seconds a Retry-After header asks for (the maxlag default when absent)."""
    now = datetime.now(UTC)
    return (retry_deadline(value, now, DEFAULT_MAXLAG_WAIT) - now).total_seconds()


def api_error(problem: ApiProblem, wait: float, label: str) -> Exception:
    """The SourceError for an API error object: rate limits carry when to ask again."""
    now = datetime.now(UTC)
    if problem.code == "maxlag":
        return SourceRateLimitedError(
            f"{label}: the wiki's databases are lagging ({problem.info})",
            retry_at=now + timedelta(seconds=max(wait, DEFAULT_MAXLAG_WAIT)),
        )
    if problem.code == "ratelimited":
        return SourceRateLimitedError(
            f"{label}: {problem.describe()}",
            retry_at=now + timedelta(seconds=max(wait, RATELIMITED_WAIT)),
        )
    return WikipediaApiError(ApiProblem(problem.code, f"{problem.info} ({label})"))
