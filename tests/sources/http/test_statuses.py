"""Statuses mapped onto SourceError subclasses unless the caller accepts them; labels in errors."""

from __future__ import annotations

import pytest

from sources.errors import SourceAuthError, SourceBlockedError, SourceError, SourceUnavailableError
from tests.loopback import LoopbackServer, Reply
from tests.sources.http.support import get, run


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (401, SourceAuthError, "127.0.0.1/api: HTTP 401 Unauthorized"),
        (403, SourceBlockedError, "127.0.0.1/api: HTTP 403 Forbidden"),
        (404, SourceUnavailableError, "127.0.0.1/api: HTTP 404 Not Found"),
        (410, SourceUnavailableError, "127.0.0.1/api: HTTP 410 Gone"),
    ],
)
def test_client_errors_map_onto_source_errors_without_retry(
    server: LoopbackServer, status: int, error: type[SourceError], message: str
) -> None:
    server.route("/api", Reply(status=status, body=b"details the user need not see"))
    with pytest.raises(error) as raised:
        run(get(f"{server.url}/api"))
    assert type(raised.value) is error
    assert str(raised.value) == message
    assert len(server.requests) == 1


def test_ok_statuses_are_returned_not_raised(server: LoopbackServer) -> None:
    server.route("/api", Reply(status=404, body=b'{"error": "missing"}'))
    response = run(get(f"{server.url}/api", ok_statuses=(404,)))
    assert response.status == 404
    assert response.json() == {"error": "missing"}


def test_label_replaces_the_url_in_messages(server: LoopbackServer) -> None:
    server.route("/alerts/feeds/0123/4567", Reply(status=404))
    with pytest.raises(SourceUnavailableError) as raised:
        run(get(f"{server.url}/alerts/feeds/0123/4567", label="google.com"))
    assert str(raised.value) == "google.com: HTTP 404 Not Found"
