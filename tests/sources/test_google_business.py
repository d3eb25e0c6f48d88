"""google_business: golden review pages, OAuth refresh, Google's errors, edits through a scan."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.config.settings import Config, load
from monitor.model import FetchResult, Health, SourceState
from monitor.scan.scanner import ScanReport, run_scan
from sources.common.oauth import AccessTokens
from sources.errors import (
    SourceAuthError,
    SourceBlockedError,
    SourceError,
    SourceRateLimitedError,
    SourceUnavailableError,
)
from sources.google_business import GoogleBusinessConfig, fetch
from sources.google_business.items import review_item
from sources.google_business.parse import parse_reviews_page
from sources.http import PoliteClient
from storage import mentions, ratings
from storage.database import Store
from tests.commands import monitor, statuses, stored_ids
from tests.configs import write_config
from tests.loopback import FIXTURES, LoopbackServer, Reply
from tests.sources.common.token_endpoint import form_of, route_token

CLIENT_ID = "1234567890-fixture.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-fixture-client-secret-9Xq"
REFRESH_TOKEN = "1//0gFixtureRefreshToken-Ab12Cd34"
ACCESS_TOKEN = "ya29.a0AfB-fixture-access-token-Zx81"
SECOND_TOKEN = "ya29.a0AfB-fixture-second-token-Qp42"
SECRETS = (CLIENT_SECRET, REFRESH_TOKEN, ACCESS_TOKEN, SECOND_TOKEN)
REVIEWS = "/v4/accounts/112233445566778899000/locations/9876543210987654321/reviews"
JSON = "application/json"
PAGE_TWO = {"pageToken": "CiAKGjBpNDd2Nl9nTTVfUmJQ"}


def google(name: str, status: int = 200) -> Reply:
    """A reply with the body of tests/fixtures/google/<name>.json."""
    return Reply(
        status=status,
        body=(FIXTURES / "google" / f"{name}.json").read_bytes(),
        headers={"Content-Type": JSON},
    )


@pytest.fixture(autouse=True)
def secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GBP_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("GBP_REFRESH_TOKEN", REFRESH_TOKEN)


def keys(server: LoopbackServer, **more: object) -> dict[str, object]:
    return {
        "type": "google_business",
        "account_id": "accounts/112233445566778899000",
        "location_id": "9876543210987654321",
        "client_id": CLIENT_ID,
        "client_secret_env": "GBP_CLIENT_SECRET",
        "refresh_token_env": "GBP_REFRESH_TOKEN",
        "api_url": f"{server.url}/v4",
        "token_url": f"{server.url}/token",
        **more,
    }


def business(server: LoopbackServer, **more: object) -> GoogleBusinessConfig:
    return GoogleBusinessConfig.model_validate(keys(server, **more))


def run_fetch(config: GoogleBusinessConfig, state: SourceState | None = None) -> FetchResult:
    async def go() -> FetchResult:
        async with PoliteClient(contact="t@example.org", backoff=0.01, timeout=5) as http:
            return await fetch(http, config, state or SourceState(name="google"))

    return asyncio.run(go())


def failure(config: GoogleBusinessConfig, state: SourceState | None = None) -> SourceError:
    with pytest.raises(SourceError) as caught:
        run_fetch(config, state)
    message = str(caught.value)
    assert "\n" not in message
    for secret in SECRETS:
        assert secret not in message
    return caught.value


@pytest.fixture
def two_pages(server: LoopbackServer) -> LoopbackServer:
    route_token(server, google("token_ok"))
    server.route(REVIEWS, google("business_reviews_page1"))
    server.route(REVIEWS, google("business_reviews_page2"), params=PAGE_TWO)
    return server


def test_a_page_with_a_reply_an_anonymous_reviewer_and_a_rating_only_review() -> None:
    payload = json.loads((FIXTURES / "google" / "business_reviews_page1.json").read_bytes())
    page = parse_reviews_page(payload)
    assert (page.average_rating, page.total_review_count) == (4.3, 27)
    assert page.next_page_token == "CiAKGjBpNDd2Nl9nTTVfUmJQ"
    jane, anonymous, rating_only = (review_item(review) for review in page.reviews)
    assert jane.external_id == "AbFvOqk-new-two-star"
    assert (jane.item_type, jane.rating, jane.author) == ("review", 2.0, "Jane D")
    assert jane.text.startswith("Communication from the office has been poor")
    assert jane.published_at == datetime(2026, 11, 20, 8, 41, 12, 512000, tzinfo=UTC)
    assert jane.extra == {
        "update_time": "2026-11-20T08:41:12.512000Z",
        "star_rating": "TWO",
        "reply": None,
        "has_reply": False,
    }
    # Google fills a name for anonymous reviewers; we never show it.
    assert anonymous.author is None and anonymous.rating == 5.0
    assert anonymous.extra["reply"] == {
        "comment": "Thank you for your kind words!",
        "update_time": "2026-11-14T10:15:44.101000Z",
    }
    assert anonymous.extra["has_reply"] is True
    assert (rating_only.text, rating_only.rating, rating_only.author) == ("", 4.0, "Sam Parent")


def test_an_empty_listing_and_an_unspecified_rating() -> None:
    page = parse_reviews_page({})
    assert (page.reviews, page.average_rating, page.next_page_token) == ([], None, None)
    review = {
        "reviewId": "x",
        "starRating": "STAR_RATING_UNSPECIFIED",
        "createTime": "2026-01-01T00:00:00Z",
        "updateTime": "2026-01-01T00:00:00Z",
    }
    assert review_item(parse_reviews_page({"reviews": [review]}).reviews[0]).rating is None


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"reviews": {}}, "reviews is missing or not a list"),
        ({"reviews": [{"reviewId": "x", "createTime": "yesterday"}]}, "reviews[0].createTime"),
        ({"reviews": [{"createTime": "2026-01-01T00:00:00Z"}]}, "reviews[0].reviewId"),
        ([], "the response is missing or not an object"),
    ],
)
def test_a_changed_shape_is_one_format_error(payload: object, expected: str) -> None:
    with pytest.raises(SourceError, match="Business Profile API: ") as caught:
        parse_reviews_page(payload)
    assert expected in str(caught.value)
    assert caught.value.health == Health.PARSER_BROKEN


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


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_token_request_redirected_to_another_origin_takes_no_secret_there(
    server: LoopbackServer, status: int
) -> None:
    other = LoopbackServer().start()  # another port: another origin, recording what it receives
    try:
        route_token(other, google("token_ok"))
        location = {"Location": f"{other.url}/token", "Set-Cookie": "NID=fixture-cookie; Path=/"}
        server.route("/token", Reply(status=status, headers=location))
        error = failure(business(server))
        assert len(server.requests_to("/token")) == 1  # the configured endpoint got the secrets
        received = [
            f"{request.method} {request.target} {request.headers} {request.body!r}"
            for request in other.requests
        ]
        for secret in SECRETS:
            assert not any(secret in seen for seen in received)
        for request in other.requests:
            assert (request.method, request.body) == ("GET", b"")  # 301/302/303: a bodiless GET
            assert {name.lower() for name in request.headers} & {"authorization", "cookie"} == set()
        if status in (307, 308):  # these keep the body: refused, nothing sent to the other origin
            assert other.requests == []
            assert f"redirected (HTTP {status}) to another origin" in str(error)
            assert "127.0.0.1" in str(error) and "/token" in str(error)
    finally:
        other.stop()


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


@pytest.mark.parametrize(
    ("keys_given", "expected"),
    [
        ({"client_secret_env": None}, "give exactly one of client_secret_env"),
        ({"client_id": None}, "give exactly one of client_id, client_id_env"),
        ({"location_id": "locations/"}, "give the id's digits"),
    ],
)
def test_config_problems_name_the_keys(
    server: LoopbackServer, keys_given: dict[str, object], expected: str
) -> None:
    given = {key: value for key, value in keys(server, **keys_given).items() if value is not None}
    with pytest.raises(ValueError, match=expected):
        GoogleBusinessConfig.model_validate(given)


def test_the_config_never_shows_a_secret(server: LoopbackServer) -> None:
    config = business(server)
    shown = f"{config!r} {config.model_dump_json()} {config.grant()!r}"
    for secret in (CLIENT_SECRET, REFRESH_TOKEN):
        assert secret not in shown


# ---- through the scan and storage ------------------------------------------------------------


def test_a_review_without_its_id_is_skipped_and_the_rest_of_the_page_stored(
    server: LoopbackServer, tmp_path: Path
) -> None:
    server.route("/token", google("token_ok"))
    server.route(REVIEWS, google("business_reviews_one_unreadable"))
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"google": keys(server)},
    )
    scanned = monitor(path, "scan")
    assert scanned.exit_code == 0, scanned.output
    assert "1 unreadable item skipped" in scanned.stdout
    assert "Business Profile API: reviews[1].reviewId is missing or not text" in scanned.stdout
    assert stored_ids(path, "google") == {"AbFvOqz-older-three", "AbFvOq0-oldest-one"}
    status = statuses(path)["google"]
    assert (status["health"], status["skipped_items"]) == ("ok", 1)

    server.route(REVIEWS, google("business_reviews_none_readable"))
    assert monitor(path, "scan").exit_code == 1
    status = statuses(path)["google"]
    assert status["health"] == "parser_broken"
    assert "reviews[0].reviewId is missing or not text" in status["last_error"]


def scan(config: Config) -> ScanReport:
    store = Store.open(config.storage.url)
    try:

        async def go() -> ScanReport:
            async with PoliteClient(contact="t@example.org", timeout=5, backoff=0.01) as http:
                return await run_scan(config, store, http)

        return asyncio.run(go())
    finally:
        store.close()


@pytest.fixture
def scanned(two_pages: LoopbackServer, database_url: str, tmp_path: Path) -> Iterator[Config]:
    config = load(
        write_config(tmp_path, storage_url=database_url, sources={"google": keys(two_pages)})
    )
    first = scan(config)
    assert [(o.status, o.new, o.baseline) for o in first.outcomes] == [("ok", 5, True)]
    # The later poll: Jane edits her review, and the school replies to the rating-only one.
    two_pages.route(REVIEWS, google("business_reviews_edited"))
    yield config


def test_an_edited_review_updates_the_mention_and_keeps_the_old_version(
    scanned: Config,
) -> None:
    second = scan(scanned)
    assert [(o.status, o.fetched, o.new, o.updated) for o in second.outcomes] == [("ok", 2, 0, 2)]
    store = Store.open(scanned.storage.url)
    try:
        with store.transaction() as tx:
            stored = {m.external_id: m for m in mentions.list_mentions(tx, source="google")}
            jane = stored["AbFvOqk-new-two-star"]
            earlier = mentions.versions(tx, jane.id)
            trend = ratings.history(tx, since=datetime(2000, 1, 1, tzinfo=UTC), source="google")
    finally:
        store.close()
    assert len(stored) == 5
    assert (jane.rating, jane.version) == (1.0, 2)
    assert jane.text.startswith("Still no reply from the office")
    assert [(v.rating, v.text[:29]) for v in earlier] == [(2.0, "Communication from the office")]
    reply = stored["AbFvOqr-rating-only"].extra
    assert reply["has_reply"] is True
    assert reply["reply"] == {
        "comment": "Thank you for the four stars!",
        "update_time": "2026-11-27T09:00:00Z",
    }
    assert [(snapshot.average, snapshot.count) for snapshot in trend] == [(4.3, 27), (4.2, 27)]


def test_no_secret_reaches_the_database(scanned: Config, server: LoopbackServer) -> None:
    scan(scanned)
    # A refused grant is recorded as the source's error: that text must not hold a secret either.
    route_token(server, google("token_invalid_grant", 400))
    server.route(REVIEWS, google("error_401_unauthenticated", 401))
    failed = scan(scanned)
    assert failed.outcomes[0].status == "failed"
    engine = sa.create_engine(scanned.storage.url)
    try:
        with engine.connect() as connection:
            dumped = []
            metadata = sa.MetaData()
            metadata.reflect(connection)
            for table in metadata.sorted_tables:
                dumped.extend(repr(tuple(row)) for row in connection.execute(sa.select(table)))
    finally:
        engine.dispose()
    everything = "\n".join(dumped)
    assert "AbFvOqk-new-two-star" in everything and "invalid_grant" in everything
    for secret in SECRETS:
        assert secret not in everything


def test_a_token_without_the_business_scope_says_to_authorise_again(
    server: LoopbackServer,
) -> None:
    route_token(server, google("token_ok"))
    server.route(REVIEWS, google("error_403_scope", 403))
    error = failure(business(server))
    assert isinstance(error, SourceAuthError)
    assert "lacks the OAuth scope" in str(error)
    assert len(server.requests_to(REVIEWS)) == 1  # a 403 is not retried with a new token
