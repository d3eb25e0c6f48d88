"""Sign-in and sign-out pages.

    GET  /login               the form: an email address
    POST /login               mails a known user a link and a code; the same page for anyone
    GET  /login/{token}       the mailed link: a page with a "Sign in" button (a GET alone
                              signs nobody in: mail scanners open every link)
    POST /login/{token}       the button: signs in, then on to where the visitor was going
    POST /login/code          the code typed in the browser that asked
    POST /logout              ends the session

The signed-out forms carry a token that must match the sign-in cookie (a double submit), and
every sign-in POST counts against the client address's rate limit.
"""

from __future__ import annotations

import logging

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from monitor.web import csrf
from monitor.web.auth import Refused, SignedIn
from monitor.web.render import render
from monitor.web.sessions import SIGN_IN_COOKIE
from monitor.web.visits import Visit, refused, signed_in, state_of

log = logging.getLogger(__name__)


def sign_in_page(
    request: Request, template: str, token: str, status: int = 200, **values: object
) -> HTMLResponse:
    """A signed-out page whose forms carry `token`, also set as the sign-in cookie."""
    web = state_of(request)
    html = render(
        template,
        school=web.config.school.name,
        user=None,
        csrf_token=token,
        is_admin=False,
        is_dsl=False,
        path=request.url.path,
        **values,
    )
    response = HTMLResponse(html, status_code=status)
    web.sessions.cookies.set(response, SIGN_IN_COOKIE, token)
    return response


def sign_in_token(request: Request) -> str:
    """The sign-in cookie's token, or a new one."""
    web = state_of(request)
    existing = request.cookies.get(web.sessions.cookies.name(SIGN_IN_COOKIE))
    if existing and 20 <= len(existing) <= 100:
        return existing
    return csrf.new_token()


async def checked_form(request: Request) -> FormData | Response:
    """The form of a signed-out POST, or the refusal (rate limit, or not from our page)."""
    web = state_of(request)
    client = request.client.host if request.client else "unknown"
    if not web.limiter.allow(client):
        response = refused(request, "Too many sign-in attempts. Wait a few minutes.", 429)
        response.headers["Retry-After"] = str(web.limiter.retry_after(client))
        return response
    form = await request.form()
    expected = request.cookies.get(web.sessions.cookies.name(SIGN_IN_COOKIE))
    try:
        csrf.check(request, form, expected, web.origin)
    except csrf.CsrfError as error:
        log.warning("sign-in POST refused: %s", error)
        return refused(request, "This request did not come from this page.", 403)
    return form


async def login_form(request: Request) -> Response:
    """The sign-in form."""
    web = state_of(request)
    next_path = csrf.safe_next(request.query_params.get("next"))
    session = await run_in_threadpool(web.sessions.find, web.sessions.token_from(request.cookies))
    if session is not None:
        return RedirectResponse(next_path, status_code=303)
    return sign_in_page(
        request, "login.html", sign_in_token(request), next_path=next_path, problem=None
    )


async def ask_for_link(request: Request) -> Response:
    """Mail a link and a code to a known address; say the same for any address."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    web = state_of(request)
    address = str(form.get("email") or "")[:320]
    next_path = csrf.safe_next(form.get("next"))
    requested = await run_in_threadpool(web.sign_in.request, address, next_path)
    response = sign_in_page(
        request,
        "check_mail.html",
        str(form.get(csrf.FIELD)),
        nonce=requested.nonce,
        problem=None,
    )
    if requested.mail is not None:
        # After the response: how long the SMTP server takes must not tell who is a user.
        response.background = BackgroundTask(web.sign_in.send, requested.mail)
    return response


async def link_page(request: Request) -> Response:
    """The mailed link's page: a button that signs in (a POST), or why it cannot."""
    web = state_of(request)
    link = request.path_params["token"]
    usable = await run_in_threadpool(web.sign_in.link_usable, link)
    return sign_in_page(
        request, "login_link.html", sign_in_token(request), usable=usable, link=link
    )


async def sign_in_by_link(request: Request) -> Response:
    """Sign in with the mailed link's token."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    web = state_of(request)
    outcome = await run_in_threadpool(web.sign_in.by_link, request.path_params["token"])
    return signed_in_or_not(request, outcome, form, None)


async def sign_in_by_code(request: Request) -> Response:
    """Sign in with the mailed code."""
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    web = state_of(request)
    nonce = str(form.get("nonce") or "")[:100]
    code = str(form.get("code") or "")[:20]
    outcome = await run_in_threadpool(web.sign_in.by_code, nonce, code)
    return signed_in_or_not(request, outcome, form, nonce)


def signed_in_or_not(
    request: Request, outcome: SignedIn | Refused, form: FormData, nonce: str | None
) -> Response:
    """On to the page asked for with the session cookie, or the page again saying why not."""
    web = state_of(request)
    if isinstance(outcome, SignedIn):
        response = RedirectResponse(csrf.safe_next(outcome.next_path), status_code=303)
        web.sessions.set_cookie(response, outcome.token)
        return response
    token = str(form.get(csrf.FIELD))
    if nonce is not None and not outcome.reason.startswith("This sign-in"):
        return sign_in_page(
            request, "check_mail.html", token, 400, nonce=nonce, problem=outcome.reason
        )
    return sign_in_page(
        request, "login.html", token, 400, next_path="/alerts", problem=outcome.reason
    )


@signed_in()
async def sign_out(request: Request, visit: Visit) -> Response:
    """End the session and go back to the sign-in page."""
    web = state_of(request)
    await run_in_threadpool(web.sessions.end, visit.session.id)
    response = RedirectResponse("/login", status_code=303)
    web.sessions.clear_cookie(response)
    return response


ROUTES = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", ask_for_link, methods=["POST"]),
    Route("/login/code", sign_in_by_code, methods=["POST"]),
    Route("/login/{token}", link_page, methods=["GET"]),
    Route("/login/{token}", sign_in_by_link, methods=["POST"]),
    Route("/logout", sign_out, methods=["POST"]),
]
