"""Google's errors as one line that says what to do: quota, API not enabled, unknown location."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sources.errors import (
    SourceAuthError,
    SourceBlockedError,
    SourceRateLimitedError,
    SourceUnavailableError,
)
from tests.loopback import LoopbackServer
from tests.sources.common.token_endpoint import route_token
from tests.sources.google_business.support import REVIEWS, business, failure, google, run_fetch


def test_429_backs_off_until_retry_at_then_the_next_poll_succeeds(server: LoopbackServer) -> None:
    route_token(server, google("token_ok"))
    server.route(REVIEWS, google("error_429_quota", 429), google("business_reviews_page2"))
    before = datetime.now(UTC)
    error = failure(business(server))
    assert isinstance(error, SourceRateLimitedError) and error.retry_at is not None
    assert (
        before + timedelta(seconds=59)
        <= error.retry_at
        <= datetime.now(UTC) + timedelta(seconds=61)
    )
    assert "over Google's quota (RESOURCE_EXHAUSTED)" in str(error)
    assert len(run_fetch(business(server)).items) == 2


def test_retry_after_from_google_is_honoured(server: LoopbackServer) -> None:
    route_token(server, google("token_ok"))
    reply = google("error_429_quota", 429)
    reply.headers["Retry-After"] = "600"
    server.route(REVIEWS, reply)
    error = failure(business(server))
    assert isinstance(error, SourceRateLimitedError) and error.retry_at is not None
    assert error.retry_at >= datetime.now(UTC) + timedelta(seconds=590)


def test_a_quota_of_zero_explains_that_access_is_not_granted_yet(server: LoopbackServer) -> None:
    route_token(server, google("token_ok"))
    server.route(REVIEWS, google("error_429_quota_zero", 429))
    error = failure(business(server))
    assert isinstance(error, SourceBlockedError)
    assert "quota for this API is 0" in str(error) and "access request form" in str(error)


@pytest.mark.parametrize(
    "fixture", ["error_403_service_disabled", "error_403_access_not_configured"]
)
def test_an_api_not_enabled_says_to_enable_it(server: LoopbackServer, fixture: str) -> None:
    route_token(server, google("token_ok"))
    server.route(REVIEWS, google(fixture, 403))
    error = failure(business(server))
    assert isinstance(error, SourceAuthError)
    assert "is not enabled in the Google Cloud project" in str(error)
    assert "APIs & Services" in str(error)
    assert "https://" not in str(error)


def test_an_unknown_location_names_the_keys_to_check(server: LoopbackServer) -> None:
    route_token(server, google("token_ok"))
    server.route(REVIEWS, google("error_404_location", 404))
    error = failure(business(server))
    assert isinstance(error, SourceUnavailableError)
    assert "check account_id and location_id" in str(error)
