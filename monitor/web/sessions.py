"""Server-side sessions: the cookie holds a random token, the database its SHA-256 hash.

A session ends after `[web] session_idle` without a request, after `session_max` however active,
at sign-out, and when its user is removed (`monitor users remove`). The cookie is HttpOnly and
SameSite=Lax; with an https `base_url` it is also Secure and named `__Host-…` (no Domain, Path=/),
so no other host or plain-http page can set it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.responses import Response

from monitor.config.settings import WebConfig
from monitor.model import WebSession
from storage import web_sessions
from storage.database import Store, Transaction

COOKIE = "monitor_session"
SIGN_IN_COOKIE = "monitor_signin"  # the signed-out forms' CSRF token (double submit)
# Activity is written at most this often: a page's every request need not be a write.
TOUCH_EVERY = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """The SHA-256 of a token, as stored: a copy of the database signs nobody in."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CookieSettings:
    """How our cookies are named and flagged."""

    secure: bool

    def name(self, base: str) -> str:
        """`__Host-` + base over https (Secure, host-only, Path=/), else base."""
        return f"__Host-{base}" if self.secure else base

    def set(self, response: Response, base: str, value: str) -> None:
        """Set a browser-session cookie (no Max-Age: the server decides when it expires)."""
        response.set_cookie(
            self.name(base),
            value,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def clear(self, response: Response, base: str) -> None:
        """Remove the cookie from the browser."""
        response.delete_cookie(
            self.name(base), path="/", secure=self.secure, httponly=True, samesite="lax"
        )


class Sessions:
    """Starts, finds and ends sessions in the store (call from a thread: they block)."""

    def __init__(self, store: Store, web: WebConfig, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.idle = web.session_idle
        self.longest = web.session_max
        self.cookies = CookieSettings(secure=web.secure)
        self._clock = clock

    def start(self, tx: Transaction, user_id: int) -> str:
        """A new session for the user in `tx`; the token for the cookie."""
        now = self._clock()
        token = secrets.token_urlsafe(32)
        web_sessions.delete_stale(tx, seen_before=now - self.idle, now=now)
        web_sessions.add(
            tx,
            user_id=user_id,
            token_hash=hash_token(token),
            csrf_token=secrets.token_urlsafe(32),
            now=now,
            expires_at=now + self.longest,
        )
        return token

    def find(self, token: str | None) -> WebSession | None:
        """The live session the cookie's token belongs to; None (and an expired one ended)."""
        if not token or len(token) > 200:
            return None
        now = self._clock()
        with self.store.transaction() as tx:
            found = web_sessions.find(tx, hash_token(token))
            if found is None:
                return None
            if found.last_seen_at + self.idle <= now or found.expires_at <= now:
                web_sessions.delete(tx, found.id)
                return None
            if now - found.last_seen_at >= TOUCH_EVERY:
                web_sessions.touch(tx, found.id, now)
        return found

    def end(self, session_id: int) -> None:
        """Sign out: the session's row is deleted, so its cookie opens nothing any more."""
        with self.store.transaction() as tx:
            web_sessions.delete(tx, session_id)

    def set_cookie(self, response: Response, token: str) -> None:
        """Give the browser the session cookie."""
        self.cookies.set(response, COOKIE, token)

    def clear_cookie(self, response: Response) -> None:
        """Take the session cookie away."""
        self.cookies.clear(response, COOKIE)

    def token_from(self, cookies: dict[str, str]) -> str | None:
        """The session token in a request's cookies, if any."""
        return cookies.get(self.cookies.name(COOKIE))
