"""Reading reviews: replies, anonymous reviewers, bare ratings, a changed shape, one unreadable."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.model import Health
from sources.errors import SourceError
from sources.google_business.items import review_item
from sources.google_business.parse import parse_reviews_page
from tests.commands import monitor, statuses, stored_ids
from tests.configs import write_config
from tests.loopback import FIXTURES, LoopbackServer
from tests.sources.google_business.support import REVIEWS, google, keys


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
