"""The alert pages: the list by status with counts and filters, one alert, and its actions.

    GET  /alerts                 tabs by status (open first) with counts; severity/rule/source
                                 (and school, in a config with several) filters
    POST /alerts/bulk            acknowledge or resolve the ticked alerts, after a confirmation
    GET  /alerts/{id}            the alert, its mention, the policy's advice, what the source
                                 lets us do there (pages/responses.py), its history
    POST /alerts/{id}/status     acknowledge, resolve or dismiss (with a note)
    POST /alerts/{id}/action     record what was done (DESIGN.md 7's ACTION values)

Every change goes through `monitor.alerts` and names the signed-in user in the incident log.
A user limited to some schools (monitor.web.schools) gets 404 for any other alert, as for an
unknown id, whether reading or acting.
A status change sent by htmx (from the list) answers with the alert's row, swapped in place,
and a sentence for the live region; without JavaScript the form's POST redirects back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor import alerts as lifecycle
from monitor import responses
from monitor.config.settings import Config
from monitor.judgement import advice as policy
from monitor.model import USER_ACTIONS, AlertAction, AlertStatus, Role, Severity
from monitor.web import csrf, schools
from monitor.web.render import (
    RECORDABLE,
    AlertPage,
    AlertRow,
    alert_page,
    alert_row,
)
from monitor.web.roles import DSL_RULES
from monitor.web.visits import Visit, page, refused, signed_in, state_of
from storage import alerts as stored_alerts
from storage.alerts import AlertFilter
from storage.database import Store

LIST_LIMIT = 500
STATUS_TABS = tuple(AlertStatus)  # open first
BULK_CHANGES = {"acknowledged": AlertStatus.ACKNOWLEDGED, "resolved": AlertStatus.RESOLVED}
CHANGES = {str(status): status for status in lifecycle.TRANSITIONS}
STATUS_PROBLEM = "That change was not made: the alert's status no longer allowed it."
# After a write at the source (`done=` the action), said in the page's live region.
RESPONDED = {
    "reply": "Your reply was posted and recorded in the history.",
    "unreply": "The school's reply was removed and that is recorded in the history.",
    "hide": "The comment was hidden and that is recorded in the history.",
    "unhide": "The comment is shown again and that is recorded in the history.",
}
DONE_WORDS = {
    "acknowledged": "acknowledged",
    "resolved": "resolved",
    "dismissed": "dismissed",
    "recorded": "action recorded",
}


@dataclass(frozen=True, slots=True)
class Listing:
    """What the list page shows."""

    rows: list[AlertRow]
    counts: dict[str, int]
    rules: list[str]
    sources: list[str]


def query_filter(values: dict[str, str]) -> AlertFilter:
    """The severity, rule and source filters from query or form values (unknown → any)."""
    severity = values.get("severity") or None
    return AlertFilter(
        severity=Severity(severity) if severity in tuple(Severity) else None,
        rule=(values.get("rule") or None),
        source=(values.get("source") or None),
    )


def list_url(status: str, where: AlertFilter, picked: str = "", **extra: str) -> str:
    """/alerts with the status tab, filters (`picked`: the school chosen) and `extra`."""
    parameters = {
        "status": status,
        "school": picked,
        "severity": str(where.severity or ""),
        "rule": where.rule or "",
        "source": where.source or "",
        **extra,
    }
    return "/alerts?" + urlencode({key: value for key, value in parameters.items() if value})


def load_listing(
    store: Store, status: AlertStatus, where: AlertFilter, role: Role, zone: ZoneInfo
) -> Listing:
    """The rows of one tab, the counts of every tab, and the filters' choices."""
    with store.transaction(read_only=True) as tx:
        found = stored_alerts.list_alerts(tx, [status], where, limit=LIST_LIMIT)
        counts = stored_alerts.count_by_status(tx, where)
        restricted = stored_alerts.mentions_with_rules(
            tx, [a.mention_id for a in found if a.mention_id is not None], DSL_RULES
        )
        rules, sources = stored_alerts.rules_and_sources(tx)
    return Listing(
        rows=[alert_row(alert, role, zone, restricted) for alert in found],
        counts={str(tab): counts.get(tab, 0) for tab in STATUS_TABS},
        rules=rules,
        sources=sources,
    )


@signed_in()
async def alert_list(request: Request, visit: Visit) -> Response:
    """Alerts by status, with counts and filters."""
    web = state_of(request)
    values = dict(request.query_params)
    status_name = values.get("status", "open")
    status = AlertStatus(status_name) if status_name in tuple(AlertStatus) else AlertStatus.OPEN
    user = visit.session.user
    picked = schools.chosen(web.config, user, values.get("school"))
    where = replace(query_filter(values), school=schools.scope(user, picked))
    listing = await run_in_threadpool(
        load_listing, web.store, status, where, visit.session.user.role, web.config.school.zone
    )
    return page(
        request,
        "alerts.html",
        visit,
        listing=listing,
        status=str(status),
        where=where,
        tab_urls={str(tab): list_url(str(tab), where, picked) for tab in STATUS_TABS},
        here=list_url(str(status), where, picked),
        school_choices=schools.choices(web.config, user),
        picked=picked,
        severities=[str(severity) for severity in Severity],
        done=done_message(values),
    )


def done_message(values: dict[str, str]) -> str | None:
    """The sentence for a change just made (from the redirect's query), or None."""
    done = values.get("done")
    if done in RESPONDED:
        return RESPONDED[done]
    if done not in DONE_WORDS:
        return None
    count = values.get("count", "")
    skipped = values.get("skipped", "")
    if count.isascii() and count.isdigit():
        text = f"{count} alert{'s' if count != '1' else ''} {DONE_WORDS[done]}."
        if skipped.isascii() and skipped.isdigit() and skipped != "0":
            text += f" {skipped} could not be (their status did not allow it)."
        return text
    return f"Alert {DONE_WORDS[done]}." if done != "recorded" else "Action recorded."


@signed_in()
async def bulk(request: Request, visit: Visit) -> Response:
    """Acknowledge or resolve several alerts: first a confirmation, then the change."""
    web = state_of(request)
    form = visit.form
    change = BULK_CHANGES.get(str(form.get("op") or ""))
    ids = sorted(
        {
            int(value)
            for value in form.getlist("ids")
            if isinstance(value, str) and value.isascii() and value.isdigit()
        }
    )
    back = csrf.safe_next(form.get("next"))
    if change is None or not ids:
        return refused(request, "Tick at least one alert, then choose what to do.", 400)
    if not await run_in_threadpool(schools.may_see_alerts, web.store, visit.session.user, ids):
        return refused(request, "There is no such alert.", 404)
    if form.get("confirm") != "yes":
        rows = await run_in_threadpool(
            rows_for, web.store, ids, visit.session.user.role, web.config.school.zone
        )
        return page(
            request, "confirm_bulk.html", visit, rows=rows, op=str(change), back=back, ids=ids
        )
    now = web.clock()
    done, skipped = await run_in_threadpool(change_many, web.store, ids, change, visit.actor, now)
    separator = "&" if "?" in back else "?"
    query = urlencode({"done": str(change), "count": str(done), "skipped": str(skipped)})
    return RedirectResponse(f"{back}{separator}{query}", status_code=303)


def rows_for(store: Store, ids: Sequence[int], role: Role, zone: ZoneInfo) -> list[AlertRow]:
    """The rows of the alerts `ids` (those that exist), for the confirmation page."""
    with store.transaction(read_only=True) as tx:
        found = [alert for i in ids if (alert := stored_alerts.get(tx, i)) is not None]
        restricted = stored_alerts.mentions_with_rules(
            tx, [a.mention_id for a in found if a.mention_id is not None], DSL_RULES
        )
    return [alert_row(alert, role, zone, restricted) for alert in found]


def change_many(
    store: Store, ids: Sequence[int], to: AlertStatus, actor: str, now: datetime
) -> tuple[int, int]:
    """Move each alert to `to` in one transaction; (changed, skipped as not allowed or gone)."""
    changed = skipped = 0
    with store.transaction() as tx:
        for alert_id in ids:
            try:
                lifecycle.transition(tx, alert_id, to, actor=actor, note=None, now=now)
            except (lifecycle.TransitionError, lifecycle.AlertNotFoundError):
                skipped += 1  # checked before anything is written: the others go on
            else:
                changed += 1
    return changed, skipped


def load_alert(
    store: Store, config: Config, alert_id: int, role: Role, draft: str | None = None
) -> AlertPage | None:
    """The alert's page, or None if there is no such alert.

    `draft`: the reply's words to show in the text box (else the policy's draft for the rule).
    """
    with store.transaction(read_only=True) as tx:
        try:
            found = lifecycle.detail(tx, alert_id)
        except lifecycle.AlertNotFoundError:
            return None
        mention_id = found.alert.mention_id
        restricted = (
            set()
            if mention_id is None
            else stored_alerts.mentions_with_rules(tx, [mention_id], DSL_RULES)
        )
    offered = None if found.mention is None else responses.options(config, found.mention)
    if draft is None:
        draft = policy.draft_reply(found.alert.rule, config.school.name) or ""
    where = policy.where_said(config, found.alert.source)
    return alert_page(found, role, config.school.zone, restricted, offered, draft, where)


async def show_alert(
    request: Request,
    visit: Visit,
    alert_id: int,
    *,
    status_code: int = 200,
    problem: str | None = None,
    draft: str | None = None,
) -> Response:
    """The alert's page, with a line saying why something was not done and the words kept."""
    web = state_of(request)
    if not await run_in_threadpool(schools.may_see_alert, web.store, visit.session.user, alert_id):
        return refused(request, f"There is no alert {alert_id}.", 404)
    shown = await run_in_threadpool(
        load_alert, web.store, web.config, alert_id, visit.session.user.role, draft
    )
    if shown is None:
        return refused(request, f"There is no alert {alert_id}.", 404)
    return page(
        request,
        "alert.html",
        visit,
        status_code=status_code,
        alert=shown,
        recordable=RECORDABLE,
        done=done_message(dict(request.query_params)) if request.method == "GET" else None,
        problem=problem,
        editing=draft is not None,
    )


@signed_in()
async def alert_detail(request: Request, visit: Visit) -> Response:
    """One alert in full."""
    alert_id: int = request.path_params["alert_id"]
    problem = STATUS_PROBLEM if request.query_params.get("problem") == "status" else None
    return await show_alert(request, visit, alert_id, problem=problem)


@signed_in()
async def change_status(request: Request, visit: Visit) -> Response:
    """Acknowledge, resolve or dismiss one alert."""
    web = state_of(request)
    alert_id: int = request.path_params["alert_id"]
    if not await run_in_threadpool(schools.may_see_alert, web.store, visit.session.user, alert_id):
        return refused(request, f"There is no alert {alert_id}.", 404)
    to = CHANGES.get(str(visit.form.get("to") or ""))
    if to is None:
        return refused(request, "Choose acknowledge, resolve or dismiss.", 400)
    note = clean_note(visit.form.get("note"))
    now = web.clock()

    def change() -> None:
        with web.store.transaction() as tx:
            lifecycle.transition(tx, alert_id, to, actor=visit.actor, note=note, now=now)

    problem = await run_in_threadpool(attempt, change)
    if request.headers.get("hx-request") == "true":
        rows = await run_in_threadpool(
            rows_for, web.store, [alert_id], visit.session.user.role, web.config.school.zone
        )
        if not rows:
            return refused(request, f"There is no alert {alert_id}.", 404)
        message = problem or f"Alert {alert_id} {DONE_WORDS[str(to)]}."
        return page(
            request,
            "alert_row.html",
            visit,
            row=rows[0],
            here=csrf.safe_next(visit.form.get("next")),
            announce=message,
        )
    if problem == "missing":
        return refused(request, f"There is no alert {alert_id}.", 404)
    if problem is not None:
        return RedirectResponse(f"/alerts/{alert_id}?problem=status", status_code=303)
    back = csrf.safe_next(visit.form.get("next") or f"/alerts/{alert_id}")
    separator = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{separator}done={to}", status_code=303)


def attempt(change: Callable[[], object]) -> str | None:
    """Run a change; None when done, "missing" for no such alert, else why it was not allowed."""
    try:
        change()
    except lifecycle.AlertNotFoundError:
        return "missing"
    except lifecycle.TransitionError as error:
        return str(error)
    return None


@signed_in()
async def record_action(request: Request, visit: Visit) -> Response:
    """Record what was done about an alert, with a note."""
    web = state_of(request)
    alert_id: int = request.path_params["alert_id"]
    if not await run_in_threadpool(schools.may_see_alert, web.store, visit.session.user, alert_id):
        return refused(request, f"There is no alert {alert_id}.", 404)
    chosen = str(visit.form.get("action") or "")
    if chosen not in {str(action) for action in USER_ACTIONS}:
        return refused(request, "Choose what was done.", 400)
    note = clean_note(visit.form.get("note"))
    now = web.clock()

    def record() -> None:
        with web.store.transaction() as tx:
            lifecycle.record_action(
                tx, alert_id, AlertAction(chosen), actor=visit.actor, note=note, now=now
            )

    problem = await run_in_threadpool(attempt, record)
    if problem == "missing":
        return refused(request, f"There is no alert {alert_id}.", 404)
    return RedirectResponse(f"/alerts/{alert_id}?done=recorded#history", status_code=303)


def clean_note(value: object) -> str | None:
    """A note as typed (at most 4,000 characters), or None when empty."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:4000]


ROUTES = [
    Route("/alerts", alert_list, methods=["GET"]),
    Route("/alerts/bulk", bulk, methods=["POST"]),
    Route("/alerts/{alert_id:int}", alert_detail, methods=["GET"]),
    Route("/alerts/{alert_id:int}/status", change_status, methods=["POST"]),
    Route("/alerts/{alert_id:int}/action", record_action, methods=["POST"]),
]
