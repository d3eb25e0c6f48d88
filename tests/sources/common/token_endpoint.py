"""An OAuth 2.0 token endpoint as RFC 6749 and Google describe it, for loopback tests.

A refresh is a form-encoded POST (RFC 6749 section 6; Google's "Refreshing an access token"):

    POST /token
    Content-Type: application/x-www-form-urlencoded

    grant_type=refresh_token&refresh_token=…&client_id=…&client_secret=…

Anything else (a JSON body, another method, a parameter missing or sent twice) gets what section
5.2 says an endpoint answers, before any scripted reply is used:

    400 {"error": "invalid_request", "error_description": "…"}

The scripted replies (tests/fixtures/google/token_*.json) decide what a well-formed request gets.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from tests.loopback import LoopbackServer, Reply, Request

FORM = "application/x-www-form-urlencoded"
REQUIRED = ("grant_type", "refresh_token", "client_id", "client_secret")


def invalid_request(description: str, error: str = "invalid_request") -> Reply:
    """The RFC 6749 section 5.2 error for a malformed token request."""
    body = {"error": error, "error_description": description}
    return Reply(status=400, body=json.dumps(body), headers={"Content-Type": "application/json"})


def refusal(request: Request) -> Reply | None:
    """The endpoint's answer to a request that is not a form-encoded refresh grant, else None."""
    if request.method != "POST":
        return invalid_request("The token endpoint takes POST only.")
    headers = {name.lower(): value for name, value in request.headers.items()}
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        return invalid_request(f"Bad Content-Type {media_type or '(none)'}: send {FORM}.")
    try:
        fields = parse_qsl(request.body.decode("utf-8"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return invalid_request("The body is not a form.")
    names = [name for name, _ in fields]
    if len(names) != len(set(names)):
        return invalid_request("A parameter is given more than once.")
    given = dict(fields)
    missing = [name for name in REQUIRED if not given.get(name)]
    if missing:
        return invalid_request(f"Missing required parameter: {missing[0]}")
    if given["grant_type"] != "refresh_token":
        return invalid_request("Unsupported grant type.", "unsupported_grant_type")
    return None


def form_of(request: Request) -> dict[str, str]:
    """The form fields of a token request."""
    return dict(parse_qsl(request.body.decode("utf-8"), strict_parsing=True))


def route_token(server: LoopbackServer, *replies: Reply, path: str = "/token") -> None:
    """Serve `replies` at `path` to well-formed refresh requests; refuse the rest as Google does."""
    server.route(path, *replies, guard=refusal)
