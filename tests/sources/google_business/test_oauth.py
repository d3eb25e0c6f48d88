"""OAuth: the access token reused, refreshed once on a 401, refusals that say what to redo."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from monitor.model import Health
from sources.common.oauth import AccessTokens
from sources.errors import SourceAuthError
from sources.http import PoliteClient
from tests.loopback import LoopbackServer
from tests.sources.common.token_endpoint import route_token
from tests.sources.google_business.support import (
    ACCESS_TOKEN,
    REVIEWS,
    SECOND_TOKEN,
    business,
    failure,
    google,
    run_fetch,
)


def test_the_access_token_is_reused_until_shortly_before_it_expires(
    two_pages: LoopbackServer,
) -> None:
    config = business(two_pages, max_pages=1)
    run_fetch(config)
    run_fetch(config)
    assert len(two_pages.requests_to("/token")) == 1  # the daemon's process keeps it

    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    tokens = AccessTokens(clock=lambda: now[0])
    grant = config.grant()

    async def token() -> str:
        async with PoliteClient(contact="t@example.org", timeout=5) as http:
            return (await tokens.get(http, grant)).value.reveal()

    assert asyncio.run(token()) == ACCESS_TOKEN
    now[0] += timedelta(minutes=54)  # expires_in 3599 s, less the 5-minute margin
    asyncio.run(token())
    assert tokens.exchanges == 1
    now[0] += timedelta(minutes=1)
    asyncio.run(token())
    assert tokens.exchanges == 2


def test_a_401_gets_one_fresh_token_then_succeeds(server: LoopbackServer) -> None:
    route_token(server, google("token_ok"), google("token_ok_second"))
    server.route(
        REVIEWS, google("error_401_unauthenticated", 401), google("business_reviews_page2")
    )
    result = run_fetch(business(server))
    assert len(result.items) == 2
    first, second = server.requests_to(REVIEWS)
    assert first.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert second.headers["Authorization"] == f"Bearer {SECOND_TOKEN}"
    assert len(server.requests_to("/token")) == 2
    assert result.requests == 4  # token, refused page, fresh token, page


def test_a_401_after_a_fresh_token_says_what_to_redo(server: LoopbackServer) -> None:
    route_token(server, google("token_ok"), google("token_ok_second"))
    server.route(REVIEWS, google("error_401_unauthenticated", 401))
    error = failure(business(server))
    assert isinstance(error, SourceAuthError) and error.health == Health.AUTH_EXPIRED
    assert "freshly issued access token was refused" in str(error)
    assert "authorise again" in str(error)
    assert len(server.requests_to(REVIEWS)) == 2  # one retry, no more


def test_invalid_grant_marks_the_source_auth_expired(server: LoopbackServer) -> None:
    route_token(server, google("token_invalid_grant", 400))
    error = failure(business(server))
    assert isinstance(error, SourceAuthError)
    assert "refresh token was refused (invalid_grant" in str(error)
    assert "docs/sources/google.md" in str(error)
    assert server.requests_to(REVIEWS) == []


def test_invalid_client_names_the_client_keys(server: LoopbackServer) -> None:
    route_token(server, google("token_invalid_client", 401))
    error = failure(business(server))
    assert isinstance(error, SourceAuthError)
    assert "OAuth client was refused (invalid_client)" in str(error)


def test_a_token_without_the_business_scope_says_to_authorise_again(
    server: LoopbackServer,
) -> None:
    route_token(server, google("token_ok"))
    server.route(REVIEWS, google("error_403_scope", 403))
    error = failure(business(server))
    assert isinstance(error, SourceAuthError)
    assert "lacks the OAuth scope" in str(error)
    assert len(server.requests_to(REVIEWS)) == 1  # a 403 is not retried with a new token
