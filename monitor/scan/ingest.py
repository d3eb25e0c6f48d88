"""Score, evaluate and write items: the stages the scan and the webhook receiver share.

    ingest = Ingest(config)                                   # loads VADER and the rules once
    inputs = ingest.rule_inputs(tx, source, items, known, now)     # volume, edits' old text,
                                                                   # stored threads' schools
    scored = ingest.score(source, source_type, items, known, baseline, inputs)  # CPU: a thread
    written = ingest.write(tx, source, source_type, scored, baseline, now)  # in the caller's tx

`score` attributes each item to the schools it is about (monitor.scan.attribution: once, here,
for every adapter) and judges it with those schools' rules. `write` stores the mentions (new, or
edited with the old version kept) with their schools, raises the alerts the rules drafted for
mentions that are new or changed (once per dedupe key), and hands the raised alerts to
`on_alerts` in the same transaction, where the mail outbox queues urgent ones.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from monitor.config.settings import Config
from monitor.judgement.rules import Candidate, Evaluation, RuleContext, Rules, load_context
from monitor.judgement.sentiment import SentimentScorer, item_text
from monitor.mail.urgent import queue_urgent
from monitor.model import Alert, Item, Sentiment
from monitor.scan.attribution import Attribution
from sources.base import adapter_for
from storage import alerts, mentions
from storage import schools as stored_schools
from storage.database import Transaction
from storage.mentions import StoredText

AlertHook = Callable[[Transaction, list[Alert], datetime], None]


@dataclass(frozen=True, slots=True)
class Scored:
    """An item that is new or changed, with its sentiment and what the rules made of it."""

    item: Item
    sentiment: Sentiment | None
    evaluation: Evaluation
    is_new: bool
    schools: tuple[str, ...] = ()  # the ids of the schools it is about


@dataclass(frozen=True, slots=True)
class RuleInputs:
    """The mention volume so far, each edit's stored words, and stored parents' schools."""

    context: RuleContext
    previous: Mapping[str, StoredText]
    parents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Written:
    """What `write` stored: counts by outcome, and the alerts raised."""

    new: int
    updated: int
    negative: int
    alerts: list[Alert]


class Ingest:
    """The school's scorer and rules, built once, applied to batches of items."""

    def __init__(self, config: Config, on_alerts: AlertHook | None = None) -> None:
        self.scorer = SentimentScorer.from_config(config)
        self.rules = Rules.from_config(config)
        self.attribution = Attribution(config)
        # By default urgent alerts get their mail in the transaction that raises them.
        self.on_alerts: AlertHook = on_alerts or functools.partial(queue_mail, config)

    def score(
        self,
        source: str,
        source_type: str,
        items: Sequence[Item],
        known: Mapping[str, str],
        baseline: bool,
        inputs: RuleInputs | None = None,
        schools: Mapping[str, tuple[str, ...]] | None = None,
    ) -> list[Scored]:
        """Sentiment and rule evaluation of each item (`known`: stored hashes by external id).

        `inputs` (from `rule_inputs`) gives the rules the mention volume and what each edit
        replaces; without it there is no volume_spike and every edit counts as changed.
        `schools` (external id -> school ids) replaces the attribution (a rescore keeps the
        stored one).
        """
        context = inputs.context if inputs is not None else None
        previous = inputs.previous if inputs is not None else {}
        if schools is None:
            parents = inputs.parents if inputs is not None else {}
            schools = self.attribution.attribute(source, items, parents)
        scored: list[Scored] = []
        for item in items:
            check_facts(item, source_type)
            sentiment = self.scorer.score_item(item.title, item.text) if has_text(item) else None
            candidate = Candidate(
                source,
                source_type,
                item,
                sentiment,
                is_new=item.external_id not in known,
                baseline=baseline or item.baseline,
                previous=previous.get(item.external_id),
                schools=schools.get(item.external_id, ()),
            )
            evaluation = self.rules.evaluate(candidate, context)
            scored.append(Scored(item, sentiment, evaluation, candidate.is_new, candidate.schools))
        return scored

    def rule_inputs(
        self,
        tx: Transaction,
        source: str,
        items: Sequence[Item],
        known: Mapping[str, str],
        now: datetime,
        context: RuleContext | None = None,
    ) -> RuleInputs:
        """What the rules read from storage for one batch (one read, before scoring).

        `context` (the mention volume) may be one already read in this scan: it counts every
        source's mentions, so reading it once per scan, not once per source, keeps a scan's
        cost linear in its sources.
        """
        edited = [item.external_id for item in items if item.external_id in known]
        previous = mentions.stored_texts(tx, source, edited) if edited else {}
        wanted = self.attribution.parents_to_look_up(source, items)
        parents = stored_schools.of_external_ids(tx, source, wanted) if wanted else {}
        return RuleInputs(context or load_context(tx, now), previous, parents)

    def write(
        self,
        tx: Transaction,
        source: str,
        source_type: str,
        scored: Sequence[Scored],
        baseline: bool,
        now: datetime,
    ) -> Written:
        """Store the scored items and raise their alerts, inside `tx`."""
        writes = [
            mentions.MentionWrite(
                entry.item,
                entry.sentiment,
                entry.evaluation.labels,
                baseline or entry.item.baseline,
            )
            for entry in scored
        ]
        outcomes = mentions.add_or_update_many(
            tx, source=source, source_type=source_type, writes=writes, now=now
        )
        counts = {"new": 0, "updated": 0, "negative": 0}
        drafts: list[alerts.NewAlert] = []
        attributed: dict[int, tuple[str, ...]] = {}
        for entry, written in zip(scored, outcomes, strict=True):
            if written.status == "unchanged":
                continue
            attributed[written.mention_id] = entry.schools
            counts[written.status] += 1
            counts["negative"] += "negative" in entry.evaluation.labels
            drafts.extend(
                alerts.NewAlert(draft, written.mention_id) for draft in entry.evaluation.alerts
            )
        # Before the alerts: their mail goes to the schools their mentions are about.
        stored_schools.set_schools(tx, attributed)
        raised = alerts.add_many(tx, drafts, now)
        if raised:
            self.on_alerts(tx, raised, now)
        return Written(counts["new"], counts["updated"], counts["negative"], raised)


def queue_mail(config: Config, tx: Transaction, raised: list[Alert], now: datetime) -> None:
    """Outbox rows for the urgent and source-health alerts among `raised` (if [email] is set)."""
    queue_urgent(tx, config, raised, now)


def check_facts(item: Item, source_type: str) -> None:
    """TypeError unless the item's facts are absent or of the type its adapter declares."""
    if item.facts is None:
        return  # asks no adapter: a stored mention of a type no longer installed still rescores
    declared = adapter_for(source_type).capabilities.fact_types
    if isinstance(item.facts, declared):
        return
    said = " or ".join(kind.__name__ for kind in declared) or "none"
    raise TypeError(
        f"the {source_type} adapter declares facts {said}, but item {item.external_id}"
        f" carries {type(item.facts).__name__}"
    )


def has_text(item: Item) -> bool:
    """True when the item has words to score (text or title)."""
    return bool(item.text.strip() or (item.title or "").strip())


def scoring_text(item: Item) -> str:
    """What sentiment reads of an item (`sentiment.item_text`: headline, then text)."""
    return item_text(item.title, item.text)
