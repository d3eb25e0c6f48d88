"""Administrators' pages: GET /sources (each source's health, as `monitor status`) and
GET /users (who may sign in; changed with `monitor users`)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor.mail.render import local_time
from monitor.model import User
from monitor.service.status import source_statuses
from monitor.web.visits import Visit, page, signed_in, state_of
from sources.common.text import masked_line
from storage import users
from storage.database import Store


@signed_in(admin=True)
async def source_page(request: Request, visit: Visit) -> Response:
    """Each configured source's health, last success, last error and remedy."""
    web = state_of(request)
    zone = web.config.school.zone
    found = await run_in_threadpool(source_statuses, web.config, web.store, web.clock())
    rows = [
        {
            "name": status.name,
            "type": status.type,
            "enabled": status.enabled,
            "health": status.health,
            "last_success": local_time(status.last_success_at, zone)
            if status.last_success_at
            else "never",
            "failures": status.consecutive_failures,
            "mentions": status.mention_count,
            "error": masked_line(status.last_error, 300) if status.last_error else "",
            "remedy": status.remedy,
        }
        for status in found
    ]
    return page(request, "sources.html", visit, rows=rows)


def load_users(store: Store) -> list[User]:
    """Every user."""
    with store.transaction(read_only=True) as tx:
        return users.list_users(tx)


@signed_in(admin=True)
async def user_page(request: Request, visit: Visit) -> Response:
    """Who may sign in, and with which role."""
    web = state_of(request)
    found = await run_in_threadpool(load_users, web.store)
    zone = web.config.school.zone
    tables = web.config.school_tables
    rows = [
        {
            "email": user.email,
            "name": user.name or "",
            "role": str(user.role),
            "added": local_time(user.created_at, zone),
            "schools": ", ".join(
                tables[school].name if school in tables else school for school in user.schools
            )
            or "All",
        }
        for user in found
    ]
    return page(request, "users.html", visit, rows=rows, trust=len(tables) > 1)


ROUTES = [
    Route("/sources", source_page, methods=["GET"]),
    Route("/users", user_page, methods=["GET"]),
]
