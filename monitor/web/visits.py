"""Who is asking: every page handler is wrapped by `signed_in`, which finds the session, sends a
signed-out visitor to the sign-in page, refuses a POST without a valid CSRF token (403, before
the handler runs, so nothing changes) and keeps admin pages to admins.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from monitor.config.settings import Config
from monitor.model import WebSession
from monitor.web import csrf
from monitor.web.auth import EmailSignIn
from monitor.web.confirmations import Confirmations
from monitor.web.limits import RateLimiter
from monitor.web.render import render
from monitor.web.roles import sees_admin, sees_safeguarding
from monitor.web.sessions import Sessions
from storage.database import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WebState:
    """What the app serves from: config, store, clock, sessions, sign-in, its rate limit…"""

    config: Config
    store: Store
    clock: Callable[[], datetime]
    sessions: Sessions
    sign_in: EmailSignIn
    limiter: RateLimiter
    origin: str  # scheme://host[:port] of [web] base_url
    confirmations: Confirmations  # one-time tokens of the confirmations of writes at a source


def state_of(request: Request) -> WebState:
    """The app's state."""
    found: WebState = request.app.state.web
    return found


@dataclass(frozen=True, slots=True)
class Visit:
    """A signed-in request: its session and, for a POST, its checked form."""

    session: WebSession
    form: FormData

    @property
    def actor(self) -> str:
        """Who the incident log names for what this visit does."""
        return self.session.user.actor


Handler = Callable[[Request, Visit], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def signed_in(*, admin: bool = False) -> Callable[[Handler], Endpoint]:
    """Wrap a page handler: session required, CSRF checked on POST, admin pages for admins."""

    def wrap(handler: Handler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            web = state_of(request)
            token = web.sessions.token_from(request.cookies)
            session = await run_in_threadpool(web.sessions.find, token)
            if session is None:
                if request.method != "GET":
                    return refused(request, "You are not signed in.", 403)
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
            form = FormData()
            if request.method == "POST":
                form = await request.form()
                try:
                    csrf.check(request, form, session.csrf_token, web.origin)
                except csrf.CsrfError as error:
                    log.warning("POST %s refused: %s", request.url.path, error)
                    return refused(request, "This request did not come from this page.", 403)
            if admin and not sees_admin(session.user.role):
                return refused(request, "This page is for the monitor's administrators.", 403)
            return await handler(request, Visit(session, form))

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    return wrap


def page(
    request: Request,
    template: str,
    visit: Visit | None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    """A full page (or an htmx fragment) rendered with what every template needs."""
    web = state_of(request)
    user = visit.session.user if visit else None
    html = render(
        template,
        school=web.config.school.name,
        user=user,
        csrf_token=visit.session.csrf_token if visit else "",
        is_admin=user is not None and sees_admin(user.role),
        is_dsl=user is not None and sees_safeguarding(user.role),
        path=request.url.path,
        **values,
    )
    return HTMLResponse(html, status_code=status_code)


def refused(request: Request, reason: str, status: int) -> HTMLResponse:
    """A short page saying why nothing was done."""
    html = render(
        "refused.html",
        school=state_of(request).config.school.name,
        user=None,
        csrf_token="",
        is_admin=False,
        is_dsl=False,
        path=request.url.path,
        reason=reason,
        status=status,
    )
    return HTMLResponse(html, status_code=status)
