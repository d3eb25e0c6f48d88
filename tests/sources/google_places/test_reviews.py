"""Place Details reviews: text kept only for its retention period, none, a changed shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sources.errors import SourceFormatError
from sources.google_places.parse import parse_place
from tests.commands import monitor, statuses, stored_ids
from tests.configs import write_config
from tests.loopback import LoopbackServer
from tests.sources.google_business.support import google
from tests.sources.google_places.support import PLACE, PLACE_ID, keys, payload, places, run_fetch


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


def test_a_place_without_reviews_has_no_reviews_key(server: LoopbackServer) -> None:
    server.route(PLACE, google("places_no_reviews"))
    result = run_fetch(places(server))
    assert result.items == []
    assert result.rating is not None and (result.rating.average, result.rating.count) == (
        None,
        None,
    )


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
