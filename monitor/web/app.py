"""The web app: routes, static files and the security headers every response carries.

    app = create_app(config, store)          # config.web and config.email must be set
    uvicorn.run(app, host="127.0.0.1", port=8080)

Every response says: no framing, no sniffing, no referrer to other sites (a sign-in link's
token must not travel on), no caching of pages, and a Content-Security-Policy that allows our
own script (htmx) and style sheet only, and forms that post only to us.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.config.settings import Config
from monitor.web import csrf
from monitor.web.auth import EmailSignIn
from monitor.web.confirmations import Confirmations
from monitor.web.limits import RateLimiter
from monitor.web.pages import admin, alerts, incidents, mentions, responses, signin
from monitor.web.sessions import Sessions
from monitor.web.visits import WebState, refused
from storage.database import Store

STATIC = Path(__file__).parent / "static"
# Sign-in POSTs (asking for a link, using a link or a code) per client address per window.
SIGN_IN_REQUESTS = 20
SIGN_IN_WINDOW = timedelta(minutes=15)
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
        " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # Our own pages only: a sign-in link's token in the address never travels to another site.
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response, and `Cache-Control: no-store` to pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                if not is_static:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


async def home(request: Request) -> Response:
    """/ is the alert list."""
    return RedirectResponse("/alerts", status_code=303)


async def not_found(request: Request, exc: Exception) -> Response:
    """Our own 404 page."""
    return refused(request, "There is no such page.", 404)


def create_app(
    config: Config, store: Store, clock: Callable[[], datetime] | None = None
) -> ASGIApp:
    """The app serving `store` as `config` says; `clock` (UTC now) is for tests of expiry."""
    if config.web is None or config.email is None:
        raise ValueError("the web page needs [web] base_url and [email] (sign-in is by mail)")
    now = clock or (lambda: datetime.now(UTC))
    sessions = Sessions(store, config.web, now)
    state = WebState(
        config=config,
        store=store,
        clock=now,
        sessions=sessions,
        sign_in=EmailSignIn(config, store, sessions, now),
        limiter=RateLimiter(SIGN_IN_REQUESTS, SIGN_IN_WINDOW, now),
        origin=csrf.origin_of(config.web.base_url),
        confirmations=Confirmations(now),
    )
    routes = [
        Route("/", home, methods=["GET"]),
        *signin.ROUTES,
        *alerts.ROUTES,
        *responses.ROUTES,
        *mentions.ROUTES,
        *incidents.ROUTES,
        *admin.ROUTES,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found})
    app.state.web = state
    return SecurityHeaders(app)
