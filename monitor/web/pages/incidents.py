"""The incident log: GET /incidents (a page) and GET /incidents.csv (the same columns and rows
as `monitor incidents --format csv`), each filtered by since and school; a user limited to some
schools sees only the entries of alerts about those."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor import alerts as lifecycle
from monitor.exports import render_csv
from monitor.mail.render import local_time
from monitor.model import User
from monitor.web import schools
from monitor.web.pages.mentions import start_of
from monitor.web.render import ACTION_LABELS_BY_VALUE
from monitor.web.visits import Visit, page, signed_in, state_of
from storage.database import Store
from storage.schools import Schools


def load(store: Store, since: datetime | None, school: Schools | None) -> list[dict[str, Any]]:
    """The incident log's records (the JSON/CSV shape) about `school`, oldest first."""
    with store.transaction(read_only=True) as tx:
        return lifecycle.incident_log(tx, since, school)


def asked(request: Request, user: User) -> tuple[str, datetime | None, str]:
    """The since text, its moment (None if absent or not a date) and the school picked."""
    web = state_of(request)
    since_text = (request.query_params.get("since") or "").strip()
    since = start_of(since_text, web.config.school.zone) if since_text else None
    return since_text, since, schools.chosen(web.config, user, request.query_params.get("school"))


@signed_in()
async def incident_page(request: Request, visit: Visit) -> Response:
    """Every status change and action, oldest first, with a CSV download."""
    web = state_of(request)
    zone = web.config.school.zone
    user = visit.session.user
    since_text, since, picked = asked(request, user)
    records = await run_in_threadpool(load, web.store, since, schools.scope(user, picked))
    rows = [
        {
            **record,
            "when": local_time(datetime.fromisoformat(record["at"]), zone),
            "action_label": ACTION_LABELS_BY_VALUE.get(record["action"], record["action"]),
        }
        for record in records
    ]
    return page(
        request,
        "incidents.html",
        visit,
        rows=rows,
        since=since_text,
        since_problem=bool(since_text) and since is None,
        csv_url=csv_url(since_text if since else "", picked),
        school_choices=schools.choices(web.config, user),
        picked=picked,
    )


def csv_url(since: str, picked: str) -> str:
    """/incidents.csv with the page's since and school filters, those given."""
    given = {"since": since, "school": picked}
    query = urlencode({key: value for key, value in given.items() if value})
    return "/incidents.csv" + (f"?{query}" if query else "")


@signed_in()
async def incident_csv(request: Request, visit: Visit) -> Response:
    """The incident log as CSV, as `monitor incidents --format csv` writes it."""
    web = state_of(request)
    user = visit.session.user
    _, since, picked = asked(request, user)
    records = await run_in_threadpool(load, web.store, since, schools.scope(user, picked))
    return Response(
        render_csv(records, lifecycle.INCIDENT_FIELDS),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="incidents.csv"'},
    )


ROUTES = [
    Route("/incidents", incident_page, methods=["GET"]),
    Route("/incidents.csv", incident_csv, methods=["GET"]),
]
