"""google_places: golden Place Details, the rating each poll, Google's errors, cost, the CLI."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from monitor.cli import main
from monitor.config.settings import load
from monitor.mail.digest import build, render_digest
from monitor.model import FetchResult, Health, SourceState
from monitor.scan.scanner import run_scan
from monitor.times import utc_iso
from sources.errors import SourceAuthError, SourceError, SourceFormatError, SourceUnavailableError
from sources.google_places import GooglePlacesConfig, fetch
from sources.google_places.cost import check_lines, monthly_cost
from sources.google_places.parse import parse_place
from sources.http import PoliteClient
from storage import mentions, ratings
from storage.database import Store
from tests.commands import monitor, statuses, stored_ids
from tests.configs import write_config
from tests.loopback import FIXTURES, LoopbackServer, Reply
from tests.sources.common.token_endpoint import route_token
from tests.sources.google_business.support import (
    CLIENT_SECRET,
    REFRESH_TOKEN,
    REVIEWS,
    SECRETS,
    google,
)
from tests.sources.google_business.support import keys as business_keys

API_KEY = "AIzaSyFixture-places-key-0123456789abc"
PLACE_ID = "ChIJ2eUgeAK6j4ARbn5u_wAGqWA"
PLACE = f"/v1/places/{PLACE_ID}"
FIELD_MASK = "id,displayName,rating,userRatingCount,googleMapsUri,reviews"


@pytest.fixture(autouse=True)
def key_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_PLACES_API_KEY", API_KEY)


def keys(server: LoopbackServer, **more: object) -> dict[str, object]:
    return {
        "type": "google_places",
        "place_id": PLACE_ID,
        "api_key_env": "GOOGLE_PLACES_API_KEY",
        "api_url": f"{server.url}/v1",
        **more,
    }


def places(server: LoopbackServer, **more: object) -> GooglePlacesConfig:
    return GooglePlacesConfig.model_validate(keys(server, **more))


def run_fetch(config: GooglePlacesConfig, state: SourceState | None = None) -> FetchResult:
    async def go() -> FetchResult:
        async with PoliteClient(contact="t@example.org", backoff=0.01, timeout=5) as http:
            return await fetch(http, config, state or SourceState(name="places"))

    return asyncio.run(go())


def payload(name: str) -> Any:
    return json.loads((FIXTURES / "google" / f"{name}.json").read_bytes())


def failure(server: LoopbackServer, fixture: str, status: int) -> SourceError:
    server.route(PLACE, google(fixture, status))
    with pytest.raises(SourceError) as caught:
        run_fetch(places(server))
    assert API_KEY not in str(caught.value) and "\n" not in str(caught.value)
    return caught.value


def test_five_reviews_with_text_kept_only_for_the_retention_period(server: LoopbackServer) -> None:
    server.route(PLACE, google("places_five_reviews"))
    result = run_fetch(places(server, retain_text_days=14))
    assert len(result.items) == 5
    jane = result.items[0]
    assert jane.external_id == f"places/{PLACE_ID}/reviews/ChZDSUhNMG9nS0VJQ0FnSURuc2JhdkR3EAE"
    assert (jane.item_type, jane.rating, jane.author) == ("review", 2.0, "Jane D")
    assert jane.text == "Communication from the office has been poor this term."
    assert jane.published_at == datetime(2026, 10, 14, 8, 41, 12, 512345, tzinfo=UTC)
    assert jane.url is not None and jane.url.startswith("https://www.google.com/maps/reviews/")
    assert jane.retain_text_days == 14
    assert jane.extra == {
        "place_id": PLACE_ID,
        "language": "en",
        "flag_url": "https://www.google.com/local/review/rap/report?postId="
        "ChZDSUhNMG9nS0VJQ0FnSURuc2JhdkR3EAE&t=1",
    }
    translated = result.items[4]
    assert translated.text == "Great school, the teachers really care."
    assert translated.extra["original_language"] == "pl"
    # Nothing of the review but its id and links goes in extra (extra outlives the text purge).
    for item in result.items:
        assert item.text not in json.dumps(item.extra)
    assert result.rating is not None and (result.rating.average, result.rating.count) == (4.1, 27)
    assert result.requests == 1


def test_the_key_travels_only_in_its_header_with_the_field_mask(server: LoopbackServer) -> None:
    server.route(PLACE, google("places_five_reviews"))
    run_fetch(places(server))
    [request] = server.requests_to(PLACE)
    assert request.headers["X-Goog-Api-Key"] == API_KEY
    assert request.headers["X-Goog-FieldMask"] == FIELD_MASK
    assert API_KEY not in request.target
    assert "languageCode=en-GB" in request.query and "regionCode=GB" in request.query


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_the_key_is_not_sent_on_to_another_origin(server: LoopbackServer, status: int) -> None:
    other = LoopbackServer().start()  # another port: another origin, recording what it receives
    try:
        other.route(PLACE, google("places_five_reviews"))
        moved = {"Location": f"{other.url}{PLACE}", "Set-Cookie": "NID=fixture-cookie; Path=/"}
        server.route(PLACE, Reply(status=status, headers=moved))
        run_fetch(places(server))
        assert server.requests_to(PLACE)[0].headers["X-Goog-Api-Key"] == API_KEY
        [followed] = other.requests_to(PLACE)  # the redirect was followed, without credentials
        sent = {name.lower(): value for name, value in followed.headers.items()}
        assert {"x-goog-api-key", "authorization", "cookie"} & set(sent) == set()
        assert API_KEY not in f"{followed.target} {followed.headers} {followed.body!r}"
        assert sent["x-goog-fieldmask"] == FIELD_MASK  # what is not a secret still goes
    finally:
        other.stop()


def test_a_place_without_reviews_has_no_reviews_key(server: LoopbackServer) -> None:
    server.route(PLACE, google("places_no_reviews"))
    result = run_fetch(places(server))
    assert result.items == []
    assert result.rating is not None and (result.rating.average, result.rating.count) == (
        None,
        None,
    )


def test_each_poll_reports_the_rating_and_count_and_keeps_no_cursor(
    server: LoopbackServer,
) -> None:
    server.route(PLACE, google("places_five_reviews"), google("places_count_rose"))
    first = run_fetch(places(server))
    assert first.rating is not None and (first.rating.average, first.rating.count) == (4.1, 27)
    state = SourceState(name="places", cursor=first.cursor, last_success_at=datetime.now(UTC))
    second = run_fetch(places(server), state)
    assert second.rating is not None and (second.rating.average, second.rating.count) == (4.0, 29)
    # Ratings Google does not show are the digest's to count, from these snapshots (one place).
    assert first.cursor == second.cursor == {}


def scan_at(config_path: Path, moment: datetime) -> None:
    """One scan of the configured sources as if it ran at `moment`."""
    config = load(config_path)

    async def go() -> None:
        async with PoliteClient(contact="t@example.org", backoff=0.01, timeout=5) as http:
            with Store.open(config.storage.url) as store:
                report = await run_scan(config, store, http, clock=lambda: moment)
        assert [outcome.status for outcome in report.outcomes] == ["ok"]

    asyncio.run(go())


def test_the_digest_counts_new_ratings_google_does_not_show(
    server: LoopbackServer, tmp_path: Path
) -> None:
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    tuesday = monday + timedelta(days=1)
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"places": keys(server)},
    )
    server.route(PLACE, google("places_five_reviews"))  # 27 ratings
    scan_at(path, monday)  # the baseline
    rose = payload("places_count_rose")  # 29 ratings: 2 more
    newest = dict(rose["reviews"][0], name=f"places/{PLACE_ID}/reviews/ChdNEW")
    newest["publishTime"] = utc_iso(tuesday - timedelta(hours=3))
    # A review of last year newly among the five: first stored now, but no new rating.
    promoted = dict(rose["reviews"][4], name=f"places/{PLACE_ID}/reviews/ChdOLD")
    rose["reviews"] = [newest, *rose["reviews"][1:4], promoted]
    server.route(PLACE, Reply(body=json.dumps(rose), headers={"Content-Type": "application/json"}))
    scan_at(path, tuesday)

    config = load(path)
    with Store.open(config.storage.url) as store, store.transaction(read_only=True) as tx:
        digest = build(tx, config, monday + timedelta(hours=1), tuesday + timedelta(hours=1))
    [line] = digest.ratings
    assert (line.source, line.average, line.count) == ("places", "4.0", 29)
    assert line.hidden == 1  # 2 more ratings, 1 of them the new review written on Tuesday
    text, _html = render_digest(digest, config)
    assert "1 new rating not shown by Google's API" in text


def test_the_400_missing_field_mask_error(server: LoopbackServer) -> None:
    error = failure(server, "places_400_field_mask", 400)
    assert isinstance(error, SourceFormatError) and error.health == Health.PARSER_BROKEN
    assert "field mask" in str(error) and "X-Goog-FieldMask" in str(error)


def test_a_403_key_error_says_to_check_the_key_restrictions(server: LoopbackServer) -> None:
    error = failure(server, "places_403_key_blocked", 403)
    assert isinstance(error, SourceAuthError) and error.health == Health.AUTH_EXPIRED
    assert "API key was refused (API_KEY_SERVICE_BLOCKED)" in str(error)
    assert "api_key_env" in str(error)


def test_an_invalid_key(server: LoopbackServer) -> None:
    error = failure(server, "places_400_key_invalid", 400)
    assert isinstance(error, SourceAuthError)
    assert "API_KEY_INVALID" in str(error)


def test_an_obsolete_place_id_says_to_look_it_up_again(server: LoopbackServer) -> None:
    error = failure(server, "places_404_obsolete", 404)
    assert isinstance(error, SourceUnavailableError)
    assert "place id is no longer valid" in str(error) and "update place_id" in str(error)


def test_a_body_that_is_not_google_json_is_still_one_line(server: LoopbackServer) -> None:
    server.route(PLACE, Reply(status=400, body=b"<html>\n<b>Bad Request</b>\n</html>"))
    with pytest.raises(SourceUnavailableError, match=r"Places API \(.*\): HTTP 400$"):
        run_fetch(places(server))


def test_a_changed_shape_is_a_format_error() -> None:
    with pytest.raises(SourceFormatError, match=r"Places API: reviews\[0\]\.name"):
        parse_place({"id": PLACE_ID, "reviews": [{"rating": 3}]})
    with pytest.raises(SourceFormatError, match="userRatingCount"):
        parse_place({"id": PLACE_ID, "userRatingCount": "many"})
    # Named as the Places API's field, not as the Business Profile API's.
    with pytest.raises(SourceFormatError) as raised:
        parse_place({"id": PLACE_ID, "reviews": [{"name": "r", "publishTime": "last week"}]})
    assert str(raised.value) == (
        "Places API: reviews[0].publishTime is not a valid time: 'last week'"
    )


def test_a_review_without_its_name_is_skipped_and_the_other_reviews_stored(
    server: LoopbackServer, tmp_path: Path
) -> None:
    server.route(PLACE, google("places_one_review_unreadable"))
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"places": keys(server)},
    )
    scanned = monitor(path, "scan")
    assert scanned.exit_code == 0, scanned.output
    assert "1 unreadable item skipped" in scanned.stdout
    assert "Places API: reviews[1].name is missing or not text" in scanned.stdout
    shown = payload("places_one_review_unreadable")["reviews"]
    assert stored_ids(path, "places") == {review["name"] for review in shown if "name" in review}
    assert len(stored_ids(path, "places")) == 4
    status = statuses(path)["places"]
    assert (status["health"], status["skipped_items"]) == ("ok", 1)

    server.route(PLACE, google("places_no_review_readable"))
    assert monitor(path, "scan").exit_code == 1
    status = statuses(path)["places"]
    assert status["health"] == "parser_broken"
    assert "reviews[0].name is missing or not text" in status["last_error"]


@pytest.mark.parametrize(
    ("interval", "requests", "paid", "usd"),
    [
        (timedelta(hours=1), 720, 0, 0.0),
        (timedelta(minutes=30), 1440, 440, 11.0),
        (timedelta(minutes=15), 2880, 1880, 47.0),
        (timedelta(days=1), 30, 0, 0.0),
    ],
)
def test_monthly_cost_from_the_interval(
    interval: timedelta, requests: int, paid: int, usd: float
) -> None:
    estimate = monthly_cost(interval)
    assert (estimate.requests_per_month, estimate.paid_requests, estimate.usd_per_month) == (
        requests,
        paid,
        usd,
    )
    assert estimate.over_free_tier == (paid > 0)


def test_several_places_share_the_free_tier() -> None:
    lines = check_lines({"a": timedelta(hours=1), "b": timedelta(hours=1)})
    assert lines[0].startswith("source a (google_places): every 1h, about 720 Place Details")
    assert lines[2].startswith("warning: google_places polling makes about 1,440 requests")
    assert "USD 11 a month" in lines[2]
    assert check_lines({"a": timedelta(hours=1)})[1:] == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"api_key_env": None}, "give exactly one of api_key_env"),
        ({"retain_text_days": 90}, "less than or equal to 30"),
        ({"place_id": "places/../x"}, "give the place id alone"),
    ],
)
def test_config_problems(server: LoopbackServer, given: dict[str, object], expected: str) -> None:
    chosen = {key: value for key, value in keys(server, **given).items() if value is not None}
    with pytest.raises(ValueError, match=expected):
        GooglePlacesConfig.model_validate(chosen)


def test_default_interval_stays_inside_the_free_tier(server: LoopbackServer) -> None:
    assert not monthly_cost(places(server).interval).over_free_tier


# ---- the command line, both types against loopback ---------------------------------------------


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def both(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, LoopbackServer]:
    monkeypatch.setenv("GBP_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("GBP_REFRESH_TOKEN", REFRESH_TOKEN)
    route_token(server, google("token_ok"))
    server.route(REVIEWS, google("business_reviews_page1"))
    server.route(
        REVIEWS, google("business_reviews_page2"), params={"pageToken": "CiAKGjBpNDd2Nl9nTTVfUmJQ"}
    )
    server.route(PLACE, google("places_five_reviews"))
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={
            "google": business_keys(server),
            "google_places": keys(server, interval="15m"),
        },
    )
    return path, server


def test_monitor_scan_stores_both_types_once(both: tuple[Path, LoopbackServer]) -> None:
    path, _server = both
    first = run("--config", str(path), "scan")
    assert first.exit_code == 0, first.output
    second = run("--config", str(path), "scan")
    assert second.exit_code == 0, second.output
    listed = json.loads(run("--config", str(path), "mentions", "--format", "json").output)
    by_source = sorted((m["source"], m["external_id"]) for m in listed)
    assert len(by_source) == len(set(by_source)) == 10
    assert sum(source == "google" for source, _ in by_source) == 5
    assert all(m["item_type"] == "review" for m in listed)
    store = Store.open(f"sqlite:///{path.parent / 'monitor.db'}")
    try:
        with store.transaction() as tx:
            assert len(mentions.list_mentions(tx)) == 10
            trend = ratings.history(tx, since=datetime(2000, 1, 1, tzinfo=UTC))
    finally:
        store.close()
    assert sorted((s.source, s.count) for s in trend) == [
        ("google", 27),
        ("google", 27),
        ("google_places", 27),
        ("google_places", 27),
    ]
    # the second scan added nothing: its summary row says 0 new for each source
    rows = {line.split("\t")[0]: line.split("\t") for line in second.output.splitlines()[1:]}
    assert rows["google"][2] == rows["google_places"][2] == "ok"
    assert rows["google"][4] == rows["google_places"][4] == "0"
    assert API_KEY not in first.output + second.output


def test_monitor_check_estimates_the_places_cost(both: tuple[Path, LoopbackServer]) -> None:
    path, _server = both
    result = run("--config", str(path), "check")
    assert result.exit_code == 0, result.output
    assert "source google_places (google_places): every 15m, about 2,880 Place Details" in (
        result.output
    )
    assert "warning: google_places polling makes about 2,880 requests a month" in result.output
    assert "about USD 47 a month" in result.output


def test_no_google_secret_in_output_logs_or_database_even_when_echoed(
    server: LoopbackServer, tmp_path: Path
) -> None:
    """`monitor -v` in a subprocess: keys and tokens are used, echoed back by a hostile error."""
    route_token(server, google("token_ok"))
    server.route(REVIEWS, google("business_reviews_page2"))
    echoed = {"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": f"bad {API_KEY}"}}
    server.route(PLACE, Reply(status=400, body=json.dumps(echoed)))
    config = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"google": business_keys(server), "google_places": keys(server)},
    )
    env = {
        **os.environ,
        "GBP_CLIENT_SECRET": CLIENT_SECRET,
        "GBP_REFRESH_TOKEN": REFRESH_TOKEN,
        "GOOGLE_PLACES_API_KEY": API_KEY,
    }
    command = [sys.executable, "-m", "monitor", "-v", "--config", str(config)]
    scanned = subprocess.run(
        [*command, "scan"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    route_token(server, google("token_invalid_grant", 400))
    status = subprocess.run(
        [*command, "status", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert scanned.returncode == 1, scanned.stdout + scanned.stderr  # Places failed, and said so
    assert "bad ***" in scanned.stdout
    assert server.requests_to(PLACE)[0].headers["X-Goog-Api-Key"] == API_KEY  # really used
    output = scanned.stdout + scanned.stderr + status.stdout + status.stderr
    assert "DEBUG" in scanned.stderr
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("monitor.db*"))
    assert b"AbFvOqz-older-three" in stored
    for secret in (API_KEY, *SECRETS):
        assert secret not in output
        assert secret.encode() not in stored
