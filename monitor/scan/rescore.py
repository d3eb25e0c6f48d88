"""`monitor rescore`: score stored mentions again (after a lexicon change) and re-apply the rules.

Every selected mention goes through `Ingest.score`, as a polled item does, and gets its
sentiment and labels recomputed. Those first seen in the last `RECENT` (7 days) also keep what
the rules drafted, so a change that makes a recent mention alert-worthy raises its alert now; the
dedupe key keeps each (rule, mention) alert once ever, so a second rescore, or an alert already
raised or dismissed, raises nothing. Older mentions are only re-scored: last month's news is not
mailed as urgent today. Baseline history raises nothing, as in a scan, and neither does a volume
spike (nothing new arrived).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.model import Alert, Mention
from monitor.scan.ingest import Ingest
from storage import alerts as stored_alerts
from storage import mentions as stored_mentions
from storage.database import Store, Transaction

RECENT = timedelta(days=7)
BATCH = 500  # mentions written per transaction


@dataclass(frozen=True, slots=True)
class RescoreReport:
    """What a rescore did."""

    rescored: int  # mentions scored again
    changed: int  # of those, how many got a different score or labels
    evaluated: int  # recent mentions the rules saw again
    raised: int  # new alerts


def rescore(
    store: Store, ingest: Ingest, *, now: datetime, since: datetime | None = None
) -> RescoreReport:
    """Re-score the mentions first seen since `since` (all when None); see the module doc.

    `ingest.on_alerts` is called in each writing transaction with the alerts it raised, as in a
    scan (urgent mail goes into the outbox in the same transaction as its alert).
    """
    with store.transaction(read_only=True) as tx:
        selected = stored_mentions.mentions_to_rescore(tx, since)
    changed = evaluated = raised = 0
    for start in range(0, len(selected), BATCH):
        batch = selected[start : start + BATCH]
        with store.transaction() as tx:
            counts, raised_now = _rescore_batch(tx, batch, ingest, now)
            if raised_now:
                ingest.on_alerts(tx, raised_now, now)
        changed, evaluated, raised = (
            changed + counts[0],
            evaluated + counts[1],
            raised + len(raised_now),
        )
    return RescoreReport(len(selected), changed, evaluated, raised)


def _rescore_batch(
    tx: Transaction, batch: Sequence[Mention], ingest: Ingest, now: datetime
) -> tuple[tuple[int, int], list[Alert]]:
    """Score, label and (if recent) evaluate one batch in one transaction."""
    changed = evaluated = 0
    drafts: list[stored_alerts.NewAlert] = []
    for mention in batch:
        # Not known to the rules as stored: each is judged as new, like its first scan.
        # The stored attribution stands: a lexicon change does not move a mention between schools.
        [scored] = ingest.score(
            mention.source,
            mention.source_type,
            [mention.as_item()],
            {},
            False,
            schools={mention.external_id: mention.schools},
        )
        sentiment, labels = scored.sentiment, scored.evaluation.labels
        if sentiment != mention.sentiment or labels != mention.labels:
            stored_mentions.update_scores(tx, mention.id, sentiment, labels)
            changed += 1
        if mention.first_seen_at < now - RECENT:
            continue
        evaluated += 1
        drafts += [stored_alerts.NewAlert(draft, mention.id) for draft in scored.evaluation.alerts]
    return (changed, evaluated), stored_alerts.add_many(tx, drafts, now)
