"""Paging: nextPageToken followed, at most max_pages, a later poll stopping at the cursor."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.model import SourceState
from tests.loopback import LoopbackServer
from tests.sources.common.token_endpoint import form_of
from tests.sources.google_business.support import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    REVIEWS,
    SECRETS,
    business,
    run_fetch,
)


def test_first_poll_follows_next_page_token_with_a_bearer_token(two_pages: LoopbackServer) -> None:
    result = run_fetch(business(two_pages))
    assert [item.external_id for item in result.items] == [
        "AbFvOqk-new-two-star",
        "AbFvOqn-anon-five",
        "AbFvOqr-rating-only",
        "AbFvOqz-older-three",
        "AbFvOq0-oldest-one",
    ]
    assert result.cursor == {"update_time": "2026-11-20T08:41:12.512000Z"}
    assert result.rating is not None and (result.rating.average, result.rating.count) == (4.3, 27)
    assert result.requests == 3  # the token, then two pages
    first, second = two_pages.requests_to(REVIEWS)
    assert "orderBy=updateTime+desc" in first.query or "orderBy=updateTime%20desc" in first.query
    assert "pageSize=50" in first.query and "pageToken" not in first.query
    assert "pageToken=CiAKGjBpNDd2Nl9nTTVfUmJQ" in second.query
    assert first.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    [token_request] = two_pages.requests_to("/token")
    assert token_request.method == "POST"
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form_of(token_request) == {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN,
    }
    for request in two_pages.requests:
        for secret in SECRETS:
            assert secret not in request.target  # never in a URL


def test_first_poll_reads_at_most_max_pages(two_pages: LoopbackServer) -> None:
    result = run_fetch(business(two_pages, max_pages=1))
    assert len(result.items) == 3
    assert len(two_pages.requests_to(REVIEWS)) == 1


def test_a_later_poll_stops_at_reviews_no_newer_than_the_cursor(two_pages: LoopbackServer) -> None:
    state = SourceState(
        name="google",
        cursor={"update_time": "2026-11-13T00:00:00Z"},
        last_success_at=datetime(2026, 11, 13, tzinfo=UTC),
    )
    result = run_fetch(business(two_pages), state)
    assert [item.external_id for item in result.items] == [
        "AbFvOqk-new-two-star",
        "AbFvOqn-anon-five",
    ]
    assert len(two_pages.requests_to(REVIEWS)) == 1  # page 2 is older: never asked for
    assert result.cursor == {"update_time": "2026-11-20T08:41:12.512000Z"}
