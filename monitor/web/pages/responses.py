"""Responding where it was said, from the alert page: a confirmation first, then the write, once.

    POST /alerts/{id}/respond        op=reply|unreply|hide|unhide (text=…): the confirmation page,
                                     exactly what will be posted where; nothing is sent.
                                     step=edit: the alert page again, the words kept to change.
    POST /alerts/{id}/respond/send   the confirmed form (op, text, once): the write at the source
                                     through its adapter, then the incident log under the user.

Only what `monitor.responses` says the source takes is offered, and it is asked again at each
step, so a stale page can do no more. The confirmation's form carries a one-time token bound to
the user, the alert, the action and the words (monitor/web/confirmations.py): a second POST of
it sends nothing. A refusal (the source takes no such thing, the service refused, no answer
came) is one line on the alert page, the words kept, and nothing is recorded. Safeguarding
matters are answered by the DSL only, as only they see what was said.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor import alerts as lifecycle
from monitor import responses
from monitor.config.settings import Config
from monitor.model import Role
from monitor.responses import Plan, Respond
from monitor.web import schools
from monitor.web.confirmations import Claim
from monitor.web.pages.alerts import show_alert
from monitor.web.render import SAFEGUARDING_RESPONSE, MentionView, mention_view
from monitor.web.roles import DSL_RULES, sees_safeguarding
from monitor.web.visits import Visit, page, refused, signed_in, state_of
from sources.capabilities import CannotRespondError
from sources.errors import SourceError, SourceNoAnswerError
from storage import alerts as stored_alerts
from storage.database import Store

# The longest reply the form takes before the service's own limit is asked (Google's is 4,096
# bytes): what a person can type is bounded however a request is made.
MAX_TEXT = 20_000
CLAIM_PROBLEMS = {
    Claim.SPENT: "That confirmation was used already: nothing more was sent. The history shows"
    " what was done.",
    Claim.EXPIRED: "That confirmation has expired (or the monitor restarted): nothing was sent."
    " Check the words and confirm again.",
    Claim.MISMATCH: "The words sent differ from the words confirmed: nothing was sent. Check"
    " them and confirm again.",
}


@dataclass(frozen=True, slots=True)
class Wording:
    """How the confirmation page names an action."""

    heading: str
    effect: str
    button: str


WORDING = {
    Respond.REPLY: Wording(
        "Post this reply?",
        "When you press the button, these words are posted in public, in the school's name.",
        "Post this reply",
    ),
    Respond.UNREPLY: Wording(
        "Remove the school's reply?",
        "When you press the button, the school's public reply is deleted from the service.",
        "Remove our reply",
    ),
    Respond.HIDE: Wording(
        "Hide this comment?",
        "When you press the button, the comment is hidden on the school's page: its writer"
        " (and their friends) may still see it, nobody else does.",
        "Hide the comment",
    ),
    Respond.UNHIDE: Wording(
        "Show this comment again?",
        "When you press the button, the comment is shown to everyone on the school's page again.",
        "Show the comment again",
    ),
}


@dataclass(frozen=True, slots=True)
class Confirmation:
    """What the confirmation page shows: what will be posted (or done) where, and its token."""

    alert_id: int
    action: str
    wording: Wording
    text: str | None  # the words to post, exactly (None: an action without words)
    service: str  # the configured source's name and its type
    where: str  # where the words appear, as the adapter says
    answers: MentionView  # the review, post or comment acted on
    answers_id: str  # its id at the service (a review on Business Profile has no link)
    once: str  # the one-time token


class WithheldError(Exception):
    """The user may not see what was said, so may not answer it."""


def action_of(form: FormData) -> Respond | None:
    """The action asked for, or None."""
    value = form.get("op")
    return Respond(value) if value in tuple(Respond) else None


def words_of(form: FormData) -> str:
    """The reply's words as typed: line ends as LF, no surrounding blanks, bounded."""
    value = form.get("text")
    text = value if isinstance(value, str) else ""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()[:MAX_TEXT]


def planned(
    store: Store, config: Config, alert_id: int, action: Respond, text: str | None, role: Role
) -> Plan:
    """The plan for `action` (CannotRespondError, AlertNotFoundError, WithheldError if not)."""
    with store.transaction(read_only=True) as tx:
        plan = responses.prepare(tx, config, alert_id, action, text)
        if not sees_safeguarding(role):
            mention_id = plan.mention.id
            if mention_id in stored_alerts.mentions_with_rules(tx, [mention_id], DSL_RULES):
                raise WithheldError
    return plan


async def plan_or_refusal(
    request: Request, visit: Visit, action: Respond, text: str | None
) -> Plan | Response:
    """The plan, or the page saying why there is none (the words kept)."""
    web = state_of(request)
    alert_id: int = request.path_params["alert_id"]
    role = visit.session.user.role
    if not await run_in_threadpool(schools.may_see_alert, web.store, visit.session.user, alert_id):
        return refused(request, f"There is no alert {alert_id}.", 404)
    try:
        return await run_in_threadpool(planned, web.store, web.config, alert_id, action, text, role)
    except lifecycle.AlertNotFoundError:
        return refused(request, f"There is no alert {alert_id}.", 404)
    except WithheldError:
        return refused(request, SAFEGUARDING_RESPONSE, 403)
    except CannotRespondError as error:
        return await show_alert(
            request, visit, alert_id, status_code=409, problem=f"Nothing was sent: {error}",
            draft=text,
        )  # fmt: skip


@signed_in()
async def confirm(request: Request, visit: Visit) -> Response:
    """The confirmation: exactly what will be posted where. Nothing is sent."""
    web = state_of(request)
    alert_id: int = request.path_params["alert_id"]
    action = action_of(visit.form)
    if action is None:
        return refused(request, "Choose reply, remove our reply, hide or show again.", 400)
    text = words_of(visit.form) if action is Respond.REPLY else None
    if visit.form.get("step") == "edit":
        return await show_alert(request, visit, alert_id, draft=text or "")
    found = await plan_or_refusal(request, visit, action, text)
    if isinstance(found, Response):
        return found
    plan = found
    reply = plan.capabilities.reply
    confirmation = Confirmation(
        alert_id=alert_id,
        action=str(action),
        wording=WORDING[action],
        text=text,
        service=f"{plan.mention.source} ({plan.source.type})",
        where=reply.where if reply and action is Respond.REPLY else plan.describe(),
        answers=mention_view(plan.mention, web.config.school.zone, withheld=False),
        answers_id=plan.mention.external_id,
        once=web.confirmations.issue(visit.session.user.id, alert_id, str(action), text),
    )
    return page(request, "confirm_respond.html", visit, confirmation=confirmation)


@signed_in()
async def send(request: Request, visit: Visit) -> Response:
    """Do the confirmed action at the source, once, and record it under the signed-in user."""
    web = state_of(request)
    alert_id: int = request.path_params["alert_id"]
    action = action_of(visit.form)
    if action is None:
        return refused(request, "Choose reply, remove our reply, hide or show again.", 400)
    text = words_of(visit.form) if action is Respond.REPLY else None
    found = await plan_or_refusal(request, visit, action, text)
    if isinstance(found, Response):
        return found
    plan = found
    once = visit.form.get("once")
    claim = web.confirmations.claim(
        once if isinstance(once, str) else "", visit.session.user.id, alert_id, str(action), text
    )  # no await since the token was looked up: a second POST finds it spent
    if claim is not Claim.GRANTED:
        problem = CLAIM_PROBLEMS[claim]
        return await show_alert(request, visit, alert_id, status_code=409, problem=problem)
    try:
        async with web.config.http_client() as http:
            changed = await responses.perform(http, plan, text)
    except CannotRespondError as error:
        problem = f"Nothing was sent: {error}"
        return await show_alert(request, visit, alert_id, status_code=409, problem=problem)
    except SourceNoAnswerError as error:
        problem = (
            f"{plan.mention.source} did not answer, so it is not known to be done; nothing"
            f" recorded: {error}. Look on the service before trying again."
        )
        return await show_alert(
            request, visit, alert_id, status_code=504, problem=problem, draft=text
        )
    except SourceError as error:
        problem = f"{plan.mention.source} refused; nothing was done or recorded: {error}"
        return await show_alert(
            request, visit, alert_id, status_code=502, problem=problem, draft=text
        )
    now = web.clock()

    def record() -> None:
        with web.store.transaction() as tx:
            responses.record(tx, web.config, plan, changed, text, actor=visit.actor, now=now)

    await run_in_threadpool(record)
    return RedirectResponse(f"/alerts/{alert_id}?done={action}#history", status_code=303)


ROUTES = [
    Route("/alerts/{alert_id:int}/respond", confirm, methods=["POST"]),
    Route("/alerts/{alert_id:int}/respond/send", send, methods=["POST"]),
]
