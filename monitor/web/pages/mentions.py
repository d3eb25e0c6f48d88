"""GET /mentions: stored mentions with a search box and the CLI's filters (source, since,
label, limit, and school in a config with several); safeguarding mentions withheld from those
who may not read them; a user limited to some schools sees only mentions about those."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor.model import Label, Role
from monitor.web import schools
from monitor.web.render import MentionView, mention_rows
from monitor.web.roles import DSL_RULES
from monitor.web.visits import Visit, page, signed_in, state_of
from storage import alerts as stored_alerts
from storage import mention_reading
from storage.database import Store
from storage.schools import Schools

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


def start_of(day: str, zone: ZoneInfo) -> datetime | None:
    """Midnight of a YYYY-MM-DD date in the school's time zone (UTC), or None if not a date."""
    try:
        return datetime.combine(date.fromisoformat(day), time(0), zone).astimezone(UTC)
    except ValueError:
        return None


def load(
    store: Store,
    *,
    search: str | None,
    source: str | None,
    since: datetime | None,
    label: str | None,
    limit: int,
    role: Role,
    zone: ZoneInfo,
    school: Schools | None,
) -> tuple[list[MentionView], list[str]]:
    """The matching mentions' views and every source name with mentions (about `school`)."""
    with store.transaction(read_only=True) as tx:
        found = mention_reading.list_mentions(
            tx, source=source, since=since, label=label, limit=limit, search=search, school=school
        )
        restricted = stored_alerts.mentions_with_rules(tx, [m.id for m in found], DSL_RULES)
        sources = sorted(mention_reading.count_by_source(tx, school))
    return mention_rows(found, role, zone, restricted), sources


@signed_in()
async def mention_list(request: Request, visit: Visit) -> Response:
    """Mentions, newest first, filtered."""
    web = state_of(request)
    zone = web.config.school.zone
    values = request.query_params
    search = (values.get("q") or "").strip()[:200] or None
    source = values.get("source") or None
    label = values.get("label") if values.get("label") in tuple(Label) else None
    since_text = (values.get("since") or "").strip()
    since = start_of(since_text, zone) if since_text else None
    limit_text = values.get("limit") or ""
    limit = (
        min(int(limit_text), MAX_LIMIT)
        if limit_text.isascii() and limit_text.isdigit() and limit_text != "0"
        else 0
    )
    limit = limit or DEFAULT_LIMIT
    user = visit.session.user
    picked = schools.chosen(web.config, user, values.get("school"))
    rows, sources = await run_in_threadpool(
        lambda: load(
            web.store,
            search=search,
            source=source,
            since=since,
            label=label,
            limit=limit,
            role=user.role,
            zone=zone,
            school=schools.scope(user, picked),
        )
    )
    return page(
        request,
        "mentions.html",
        visit,
        rows=rows,
        sources=sorted({*web.config.sources, *sources}),
        labels=[str(choice) for choice in Label],
        search=search or "",
        source=source or "",
        label=label or "",
        since=since_text,
        since_problem=bool(since_text) and since is None,
        limit=limit,
        school_choices=schools.choices(web.config, user),
        picked=picked,
    )


ROUTES = [Route("/mentions", mention_list, methods=["GET"])]
