"""Google's errors for Place Details as one line that says what to check."""

from __future__ import annotations

import pytest

from monitor.model import Health
from sources.errors import SourceAuthError, SourceFormatError, SourceUnavailableError
from tests.loopback import LoopbackServer, Reply
from tests.sources.google_places.support import PLACE, failure, places, run_fetch


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
