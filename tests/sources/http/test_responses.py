"""What the client hands back: parsed JSON or a format error, text in the declared charset."""

from __future__ import annotations

import pytest

from sources.errors import SourceFormatError
from tests.loopback import LoopbackServer, Reply
from tests.sources.http.support import get, run


def test_json_response_is_parsed(server: LoopbackServer) -> None:
    server.route(
        "/api", Reply(body=b'{"pages": [1, 2]}', headers={"Content-Type": "application/json"})
    )
    response = run(get(f"{server.url}/api"))
    assert response.status == 200
    assert response.json() == {"pages": [1, 2]}
    assert response.label == "127.0.0.1/api"
    assert response.url == f"{server.url}/api"


def test_invalid_json_is_a_format_error_naming_the_label(server: LoopbackServer) -> None:
    server.route("/api", Reply(body=b"<html>Service unavailable</html>"))
    response = run(get(f"{server.url}/api"))
    with pytest.raises(SourceFormatError, match=r"^127\.0\.0\.1/api: response is not valid JSON$"):
        response.json()


@pytest.mark.parametrize(
    ("content_type", "body", "text"),
    [
        ("text/html; charset=iso-8859-1", "café".encode("latin-1"), "café"),
        ("text/html", "café".encode(), "café"),
        ("text/html; charset=no-such-charset", "café".encode(), "café"),
        ("text/plain; charset=utf-8", b"caf\xff", "caf\ufffd"),
    ],
)
def test_text_uses_the_declared_charset_with_utf8_fallback(
    server: LoopbackServer, content_type: str, body: bytes, text: str
) -> None:
    server.route("/page", Reply(body=body, headers={"Content-Type": content_type}))
    assert run(get(f"{server.url}/page")).text == text
