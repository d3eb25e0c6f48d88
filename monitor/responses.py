"""Responding where it happened: a public reply, or hiding a comment, through the source's adapter.

    plan = prepare(tx, config, alert_id, Respond.REPLY, text)   # what the source allows, or why not
    changed = await perform(http, plan, text)                   # the adapter's write, no tx held
    event = record(tx, plan, changed, text, actor=…, now=…)     # the incident log, the mention

The adapter declares what its service takes (`Capabilities.reply`, `.hide`); nothing here
knows a source by its type. `prepare` raises CannotRespondError (with what to do instead) for
anything the source does not take; `perform` raises the adapter's SourceError when the service
refuses, and then nothing is recorded. `record` writes, in one transaction, the incident-log
entry (`replied_publicly` with the words posted, `hidden`, `unhidden`; a removed reply is a
`note`) and the mention's state as the next poll will see it, plus anything the write put on the
service that a poll stores (the Page's own reply comment), scored as a poll would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from monitor import alerts as lifecycle
from monitor.config.settings import Config
from monitor.model import AlertAction, AlertEvent, Mention, Visibility
from sources.base import SourceConfig, adapter_for
from sources.capabilities import CannotRespondError, Capabilities, Changed
from storage import alerts as stored_alerts
from storage import mentions as stored_mentions
from storage.database import Transaction

if TYPE_CHECKING:
    from sources.http import PoliteClient


class Respond(StrEnum):
    """What a person asks the monitor to do at the source."""

    REPLY = "reply"
    UNREPLY = "unreply"
    HIDE = "hide"
    UNHIDE = "unhide"


RECORDED_AS = {
    Respond.REPLY: AlertAction.REPLIED_PUBLICLY,
    Respond.UNREPLY: AlertAction.NOTE,
    Respond.HIDE: AlertAction.HIDDEN,
    Respond.UNHIDE: AlertAction.UNHIDDEN,
}
REMOVED_NOTE = "removed the public reply"


@dataclass(frozen=True, slots=True)
class Plan:
    """An action the source allows on an alert's mention, ready to be performed."""

    action: Respond
    alert_id: int
    mention: Mention
    source: SourceConfig
    capabilities: Capabilities

    def describe(self) -> str:
        """One line: what will happen where (for the confirmation and the result)."""
        about = f"{self.mention.source} {self.mention.item_type} {self.mention.external_id}"
        reply = self.capabilities.reply
        if self.action == Respond.REPLY and reply is not None and reply.where:
            return f"reply to {about} {reply.where}"
        return f"{self.action} {about}"


@dataclass(frozen=True, slots=True)
class Options:
    """What the source lets the school do about a mention from the monitor, and else what to do."""

    actions: tuple[Respond, ...]
    where: str  # where a reply appears ("" when no reply)
    instead: str  # what to do where the monitor cannot act
    max_bytes: int | None = None  # the longest reply the service takes (None: no limit known)


def options(config: Config, mention: Mention) -> Options:
    """The actions the mention's source takes on it now (for `alerts show` and the page)."""
    source = config.sources.get(mention.source)
    if source is None:
        return Options((), "", f"the source {mention.source!r} is no longer configured")
    capabilities = adapter_for(source.type).capabilities
    found: list[Respond] = []
    for action in Respond:
        plan = Plan(action, 0, mention, source, capabilities)
        try:
            refuse_unsupported(plan)
        except CannotRespondError:
            continue
        found.append(action)
    # Hide what shows, show again what is hidden; nothing for what the source removed.
    pointless = {
        Visibility.VISIBLE: {Respond.UNHIDE},
        Visibility.HIDDEN: {Respond.HIDE},
        Visibility.REMOVED: set(Respond),
    }[mention.visibility]
    found = [action for action in found if action not in pointless]
    reply = capabilities.reply if Respond.REPLY in found else None
    where = reply.where if reply else ""
    limit = reply.max_bytes if reply else None
    return Options(tuple(found), where, capabilities.respond_instead, limit)


def prepare(
    tx: Transaction, config: Config, alert_id: int, action: Respond, text: str | None = None
) -> Plan:
    """The plan for `action` on the alert's mention; CannotRespondError if the source won't take it.

    AlertNotFoundError for an unknown alert.
    """
    mention = lifecycle.detail(tx, alert_id).mention
    if mention is None:
        raise CannotRespondError(
            f"alert {alert_id} is about no stored mention (a source-health alert, or one purged):"
            " there is nothing to answer"
        )
    source = config.sources.get(mention.source)
    if source is None:
        raise CannotRespondError(
            f"the source {mention.source!r} of alert {alert_id} is no longer configured"
        )
    capabilities = adapter_for(source.type).capabilities
    plan = Plan(action, alert_id, mention, source, capabilities)
    refuse_unsupported(plan)
    if mention.visibility == Visibility.REMOVED:
        raise CannotRespondError(
            f"{mention.source} {mention.item_type} {mention.external_id} was removed at the"
            " source: there is nothing left to answer or hide"
        )
    if action == Respond.REPLY:
        check_text(plan, text)
    return plan


def refuse_unsupported(plan: Plan) -> None:
    """CannotRespondError, saying what to do instead, when the source does not take the action."""
    mention, capabilities = plan.mention, plan.capabilities
    what = f"{mention.source} ({plan.source.type}) {mention.item_type}"
    instead = capabilities.respond_instead
    if plan.action in (Respond.REPLY, Respond.UNREPLY):
        reply = capabilities.reply
        if reply is None or mention.item_type not in reply.item_types:
            raise CannotRespondError(f"a {what} cannot be answered from the monitor: {instead}")
        if plan.action == Respond.UNREPLY and reply.remove is None:
            raise CannotRespondError(
                f"the school's reply to a {what} cannot be removed from the monitor: {instead}"
            )
        return
    hide = capabilities.hide
    if hide is None or mention.item_type not in hide.item_types:
        raise CannotRespondError(f"a {what} cannot be hidden from the monitor: {instead}")


def check_text(plan: Plan, text: str | None) -> None:
    """CannotRespondError for an empty reply, or one longer than the service takes."""
    if text is None or not text.strip():
        raise CannotRespondError("say what to post: the reply's words are empty")
    reply = plan.capabilities.reply
    size = len(text.encode("utf-8"))
    if reply is not None and reply.max_bytes is not None and size > reply.max_bytes:
        raise CannotRespondError(
            f"the reply is {size} bytes; {plan.source.type} takes at most {reply.max_bytes}:"
            " shorten it"
        )


async def perform(http: PoliteClient, plan: Plan, text: str | None = None) -> Changed:
    """Do the planned action at the source; the adapter's SourceError if the service refuses."""
    capabilities, mention = plan.capabilities, plan.mention
    if plan.action == Respond.REPLY and capabilities.reply is not None and text is not None:
        return await capabilities.reply.post(http, plan.source, mention, text)
    if plan.action == Respond.UNREPLY and capabilities.reply and capabilities.reply.remove:
        return await capabilities.reply.remove(http, plan.source, mention)
    if plan.action in (Respond.HIDE, Respond.UNHIDE) and capabilities.hide is not None:
        hidden = plan.action == Respond.HIDE
        return await capabilities.hide.set_hidden(http, plan.source, mention, hidden)
    raise CannotRespondError(f"{plan.describe()}: not prepared")  # prepare() refuses these


def record(
    tx: Transaction,
    config: Config,
    plan: Plan,
    changed: Changed,
    text: str | None,
    *,
    actor: str,
    now: datetime,
) -> AlertEvent:
    """The incident-log entry of a done action and the mention's new state, in `tx`."""
    mention = plan.mention
    if changed.extra is not None or changed.visibility is not None:
        stored_mentions.set_source_state(
            tx, mention.id, extra=changed.extra, visibility=changed.visibility, now=now
        )
    if changed.items:
        store_items(tx, config, plan, changed, now)
    note = text if plan.action == Respond.REPLY else changed.note
    if plan.action == Respond.UNREPLY:
        note = f"{REMOVED_NOTE}: {changed.note}" if changed.note else REMOVED_NOTE
    return stored_alerts.add_event(
        tx, plan.alert_id, at=now, actor=actor, action=RECORDED_AS[plan.action], note=note
    )


def store_items(
    tx: Transaction, config: Config, plan: Plan, changed: Changed, now: datetime
) -> None:
    """Store what the write put on the service as the poll would: scored, judged by the rules."""
    # The scan's writer (and its scorer) only when something is recorded: `alerts` stays light.
    from monitor.scan.ingest import Ingest

    ingest = Ingest(config)
    source, source_type = plan.mention.source, plan.source.type
    ids = [item.external_id for item in changed.items]
    known = stored_mentions.existing_hashes(tx, source, ids)
    inputs = ingest.rule_inputs(tx, source, changed.items, known, now)
    scored = ingest.score(source, source_type, changed.items, known, False, inputs)
    ingest.write(tx, source, source_type, scored, False, now)
