"""The web page's templates and what they show of alerts and mentions: scraped text stays text.

Every template is rendered with autoescape on, whatever its name (the mail's other settings are
shared: `monitor.mail.render.ENVIRONMENT_OPTIONS`). A mention's URL is a link only when
`safe_link` accepts it (absolute http(s), no user info); anything else is shown as text.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from monitor.alerts import TRANSITIONS, AlertDetail
from monitor.judgement import advice as policy
from monitor.mail.render import (
    ENVIRONMENT_OPTIONS,
    UnlinkedAddress,
    add_filters,
    local_time,
    safe_link,
    trim,
    unlinked_address,
)
from monitor.model import USER_ACTIONS, Alert, AlertAction, AlertStatus, Mention, Role
from monitor.responses import Options
from monitor.web.roles import DSL_RULES, WITHHELD, sees_safeguarding
from sources.capabilities import Advice

SEVERITY_SYMBOLS = {"urgent": "!!!", "high": "!!", "normal": "!", "info": "i"}
ACTION_LABELS = {
    AlertAction.ACKNOWLEDGED: "Acknowledged",
    AlertAction.RESOLVED: "Resolved",
    AlertAction.DISMISSED: "Dismissed",
    AlertAction.REQUESTED_DELETION: "Asked for it to be deleted",
    AlertAction.REPORTED_TO_PLATFORM: "Reported it to the platform",
    AlertAction.CONTACTED_POSH: "Contacted POSH",
    AlertAction.CONTACTED_POLICE: "Contacted the police",
    AlertAction.REPLIED_PUBLICLY: "Replied publicly",
    AlertAction.HIDDEN: "Hidden",
    AlertAction.UNHIDDEN: "Shown again",
    AlertAction.NOTE: "Note",
}


def action_label(action: AlertAction) -> str:
    """How the page names an incident-log action (an action added later reads as its value)."""
    return ACTION_LABELS.get(action) or str(action).replace("_", " ").capitalize()


ACTION_LABELS_BY_VALUE = {str(action): action_label(action) for action in AlertAction}
RECORDABLE = tuple((str(action), action_label(action)) for action in USER_ACTIONS)


@cache
def environment() -> jinja2.Environment:
    """The page templates: autoescape on for every one of them, whatever its extension."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor.web", "templates"),
        autoescape=True,
        **ENVIRONMENT_OPTIONS,
    )
    add_filters(env)
    env.globals["severity_symbols"] = SEVERITY_SYMBOLS
    env.globals["action_labels"] = ACTION_LABELS_BY_VALUE
    return env


def render(name: str, **values: Any) -> str:
    """Render the page template `name`."""
    return environment().get_template(name).render(**values)


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One alert in a list: plain text, its details withheld when the role may not see them."""

    id: int
    rule: str
    severity: str
    status: str
    source: str | None
    summary: str
    raised: str
    withheld: bool
    can: tuple[str, ...]  # the status changes allowed now: acknowledged, resolved, dismissed


@dataclass(frozen=True, slots=True)
class MentionView:
    """A mention in full: the quote, its link (or the address as text), score and words."""

    id: int
    source: str
    item_type: str
    when: str
    title: str | None
    author: str | None
    text: str
    link: str | None
    address: UnlinkedAddress | None
    shown_url: str | None  # a URL that is neither a link nor user-info address: shown as text
    score: str | None
    tone: str
    words: tuple[str, ...]
    rating: str | None
    labels: tuple[str, ...]
    withheld: bool


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One entry of an alert's incident log."""

    when: str
    actor: str
    action: str
    note: str | None


@dataclass(frozen=True, slots=True)
class Responding:
    """What the alert page offers to do where the mention was said, or what to do instead."""

    actions: tuple[str, ...]  # reply, unreply, hide, unhide: only what the source takes
    where: str  # where a reply appears
    instead: str  # what to do where the page cannot act (shown when `actions` is empty)
    draft: str  # the reply's words in the text box: the policy's draft, or the person's own
    max_bytes: int | None  # the longest reply the service takes


@dataclass(frozen=True, slots=True)
class AlertPage:
    """Everything the alert's page shows."""

    row: AlertRow
    mention: MentionView | None
    advice: tuple[str, ...]
    history: tuple[HistoryLine, ...]
    respond: Responding | None = None  # None: about no mention (nothing to answer)


SAFEGUARDING_RESPONSE = (
    "Whether and how to answer a safeguarding matter is for the Designated Safeguarding Lead."
)


def allowed_changes(status: AlertStatus) -> tuple[str, ...]:
    """The statuses an alert in `status` may be moved to, in lifecycle order."""
    return tuple(str(to) for to, (sources, _) in TRANSITIONS.items() if status in sources)


def is_restricted(alert: Alert, restricted_mentions: Collection[int]) -> bool:
    """True when the alert is a safeguarding matter (its rule, or its mention's other alert)."""
    return alert.rule in DSL_RULES or (
        alert.mention_id is not None and alert.mention_id in restricted_mentions
    )


def alert_row(
    alert: Alert, role: Role, zone: ZoneInfo, restricted_mentions: Collection[int]
) -> AlertRow:
    """The list's view of one alert for a user of `role`."""
    withheld = is_restricted(alert, restricted_mentions) and not sees_safeguarding(role)
    return AlertRow(
        id=alert.id,
        rule=alert.rule,
        severity=str(alert.severity),
        status=str(alert.status),
        source=alert.source,
        summary=WITHHELD if withheld else alert.summary,
        raised=local_time(alert.created_at, zone),
        withheld=withheld,
        can=allowed_changes(alert.status),
    )


def mention_view(mention: Mention, zone: ZoneInfo, *, withheld: bool) -> MentionView:
    """What a page shows of a mention; only where it came from when `withheld`."""
    sentiment = mention.sentiment
    tone = next((t for t in ("negative", "positive", "neutral") if t in mention.labels), "")
    link = safe_link(mention.url)
    address = unlinked_address(mention.url)
    return MentionView(
        id=mention.id,
        source=mention.source,
        item_type=mention.item_type,
        when=local_time(mention.published_at or mention.first_seen_at, zone),
        title=None if withheld else mention.title,
        author=None if withheld else mention.author,
        text="" if withheld else mention.text,
        link=None if withheld else link,
        address=None if withheld else address,
        shown_url=None
        if withheld or link or address or not mention.url
        else trim(mention.url, 200),
        score=None if sentiment is None else f"{sentiment.compound:+.2f}",
        tone=tone or ("unscored" if sentiment is None else "neutral"),
        words=() if withheld or sentiment is None else sentiment.words,
        rating=None if mention.rating is None else f"{mention.rating:g}/5",
        labels=mention.labels,
        withheld=withheld,
    )


def alert_page(
    found: AlertDetail,
    role: Role,
    zone: ZoneInfo,
    restricted_mentions: Collection[int],
    offered: Options | None = None,
    draft: str = "",
    where: Advice | None = None,
) -> AlertPage:
    """The alert's page for a user of `role`, with what the source lets them do (`offered`) and
    the policy's steps in the words of the mention's source (`where`; None: the generic ones)."""
    row = alert_row(found.alert, role, zone, restricted_mentions)
    mention = (
        None if found.mention is None else mention_view(found.mention, zone, withheld=row.withheld)
    )
    history = tuple(
        HistoryLine(
            when=local_time(event.at, zone),
            actor=event.actor,
            action=action_label(event.action),
            note=event.note,
        )
        for event in found.events
    )
    respond = None
    if mention is not None and offered is not None:
        respond = (
            Responding((), "", SAFEGUARDING_RESPONSE, "", None)
            if row.withheld
            else Responding(
                tuple(str(action) for action in offered.actions),
                offered.where,
                offered.instead,
                draft,
                offered.max_bytes,
            )
        )
    steps = policy.suggestions(found.alert.rule, where)
    return AlertPage(row, mention, steps, history, respond)


def mention_rows(
    found: Sequence[Mention], role: Role, zone: ZoneInfo, restricted: Collection[int]
) -> list[MentionView]:
    """The mentions page's views, safeguarding ones withheld unless `role` may read them."""
    hide = not sees_safeguarding(role)
    return [
        mention_view(mention, zone, withheld=hide and mention.id in restricted) for mention in found
    ]
