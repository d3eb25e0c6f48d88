"""Cross-site request forgery: what every POST must carry, and where `next=` may lead.

A POST is refused (403, nothing changed) when the browser says it comes from another site
(`Sec-Fetch-Site` other than same-origin or none), when its `Origin` is not ours, or when its
hidden `csrf` field does not match the token of the session (signed in) or of the sign-in
cookie (signed out, a double-submit token). `safe_next` keeps redirects on our own origin.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request

FIELD = "csrf"
DEFAULT_NEXT = "/alerts"
# Values of Sec-Fetch-Site a state change may come with: our own page, or typed by the person.
ALLOWED_SITES = ("same-origin", "none")


class CsrfError(Exception):
    """The POST is refused: it may come from another site."""


def new_token() -> str:
    """A fresh unguessable token."""
    return secrets.token_urlsafe(32)


def check(request: Request, form: FormData, expected: str | None, origin: str) -> None:
    """Raise CsrfError unless the POST comes from our page with the token `expected`."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ALLOWED_SITES:
        raise CsrfError(f"Sec-Fetch-Site: {site}")
    sent_origin = request.headers.get("origin")
    if sent_origin is not None and sent_origin != origin:
        raise CsrfError("Origin is not this site")
    given = form.get(FIELD)
    if not expected or not isinstance(given, str) or not hmac.compare_digest(given, expected):
        raise CsrfError("missing or wrong CSRF token")


def origin_of(base_url: str) -> str:
    """scheme://host[:port] of the public address, as a browser sends it in `Origin`."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def safe_next(value: object) -> str:
    """`value` if it is a path on this site, else the alert list: no scheme, host or `//`."""
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 2000:
        return DEFAULT_NEXT
    # "//evil.example" and "/\\evil.example" are read by browsers as another host.
    if value.startswith("//") or "\\" in value:
        return DEFAULT_NEXT
    if any(ord(character) < 0x21 or ord(character) == 0x7F for character in value):
        return DEFAULT_NEXT
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith("/login"):
        return DEFAULT_NEXT
    return value
