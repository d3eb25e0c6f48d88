"""Rules: from a mention about to be stored, its labels and the alerts it should raise.

    rules = Rules.from_config(config)
    context = load_context(tx, now)                 # once per source commit
    rules.evaluate(candidate, context) -> Evaluation(labels, alerts)

`evaluate` reads the candidate (the item, its sentiment, whether it is new, its stored version
if it is an edit, whether it is baseline history), the school's settings and the context, and
returns labels (facts about the text, stored with the mention and filterable) and `AlertDraft`s
(what the SLT should be told). The scan's commit stage stores both in the same transaction as
the mention.

Built-in rules (checks.py, wikipedia.py, volume.py), with their severity:
  safeguarding, extremism           urgent   word lists (monitor/judgement/data/*.txt + [alerts])
  staff_named                       urgent if the mention or its worst sentence is negative,
                                    else normal
  wikipedia_vandalism               urgent; info when the wiki already reverted the edit
  ofsted_report                     urgent for safeguarding Not met, Urgent improvement or a
                                    category of concern, else high (inspection.py)
  abusive, low_rating, new_thread   high
  parent_view_fall                  high     happy, safe or recommend down 10 points or more
  volume_spike                      high     once a day at most
  negative                          normal   labelled negative ([sentiment] thresholds) and
                                             at or below [alerts] negative_threshold
  praise                            info     "to acknowledge"

One alert per matching rule: each (rule, mention) pair has the dedupe key
"<rule>:<source>:<external_id>" and so raises at most one alert ever, however often the mention
is edited or re-scanned, and a dismissed one is never raised again. Two rules would only repeat
another's news, so they stand down: `negative` when a more specific rule (safeguarding,
extremism, staff_named, abusive, low_rating, wikipedia_vandalism) matched, `abusive` when
wikipedia_vandalism did (it names the offensive words), `praise` when anything else did. The
mention's severity is that of its most severe alert (`Evaluation.severity`).

Nothing is raised for: baseline candidates (first poll, or history an adapter read only to know
where to start); posts by the school's own Facebook page (`extra["by_page"]`); an edit whose
title, text and rating are as stored (e.g. only the school's reply to a Google review changed);
a Wikipedia edit that reverts others (its text is what it restored). The text rules stand down
for an inspection report or Parent View's figures (their text is the monitor's own list of
grades: "Safeguarding: Not met" is for ofsted_report, not the word lists). The text rules skip a
Wikipedia edit already reverted: its words are no longer on the page (wikipedia_vandalism still
reports it, as info).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from monitor.config.settings import Config
from monitor.judgement.rules import words
from monitor.judgement.rules.candidate import Candidate
from monitor.judgement.rules.checks import CHECKS, Match, Settings, negative, praise
from monitor.judgement.rules.inspection import inspection_matches, summary_facts
from monitor.judgement.rules.staff import StaffNames
from monitor.judgement.rules.volume import RuleContext, load_context
from monitor.judgement.rules.wikipedia import (
    VandalismSettings,
    revision_facts,
    wikipedia_vandalism,
)
from monitor.judgement.sentiment import label_of
from monitor.model import AlertDraft, Item, Label, Sentiment, Severity

__all__ = ["Candidate", "Evaluation", "RuleContext", "Rules", "dedupe_key", "load_context"]

# Rules whose news makes `negative` redundant on the same mention.
_MORE_SPECIFIC = frozenset(
    {"safeguarding", "extremism", "staff_named", "abusive", "low_rating", "wikipedia_vandalism"}
)
_SAID_BY_VANDALISM = frozenset({"abusive", "negative"})


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What the rules decided for one candidate."""

    labels: tuple[str, ...]
    alerts: tuple[AlertDraft, ...] = ()

    @property
    def severity(self) -> Severity | None:
        """The mention's severity: that of its most severe alert (None: no alert)."""
        return min((alert.severity for alert in self.alerts), key=lambda s: s.rank, default=None)


class Rules:
    """The school's rules, built once per scan from config."""

    def __init__(
        self,
        settings: Settings,
        vandalism: VandalismSettings,
        *,
        spike_factor: float = 3.0,
        spike_min: int = 5,
        staff: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._settings = settings
        self._vandalism = vandalism
        self._spike_factor = spike_factor
        self._spike_min = spike_min
        # Each school's staff names; `settings.staff` holds every school's together, for a
        # mention about no school in particular.
        self._staff = dict(staff or {})
        self._by_schools: dict[tuple[str, ...], Settings] = {}

    @classmethod
    def from_config(cls, config: Config) -> Rules:
        """Rules with the thresholds and word lists of `config`."""
        alerts = config.alerts
        settings = Settings(
            negative_threshold=alerts.negative_threshold,
            staff_negative_threshold=alerts.staff_negative_threshold,
            praise_threshold=alerts.praise_threshold,
            safeguarding=words.matcher(words.SAFEGUARDING, alerts.safeguarding_words),
            extremism=words.matcher(words.EXTREMISM, alerts.extremism_words),
            abusive=words.matcher(words.ABUSIVE, alerts.abusive_words),
            staff=StaffNames(
                name for table in config.school_tables.values() for name in table.staff
            ),
            tone=config.sentiment.tone,
        )
        vandalism = VandalismSettings(
            large_removal_bytes=alerts.large_removal_bytes,
            large_removal_share=alerts.large_removal_share,
            revert_risk_threshold=alerts.revert_risk_threshold,
        )
        return cls(
            settings,
            vandalism,
            spike_factor=alerts.volume_spike_factor,
            spike_min=alerts.volume_spike_min,
            staff={school: table.staff for school, table in config.school_tables.items()},
        )

    def settings_for(self, schools: tuple[str, ...]) -> Settings:
        """The settings with the staff of `schools` (every school's when it names none)."""
        if not schools or not self._staff:
            return self._settings
        found = self._by_schools.get(schools)
        if found is None:
            names = (name for school in schools for name in self._staff.get(school, ()))
            found = replace(self._settings, staff=StaffNames(names))
            self._by_schools[schools] = found
        return found

    def evaluate(self, candidate: Candidate, context: RuleContext | None = None) -> Evaluation:
        """Labels and alert drafts for one candidate (no volume_spike without a context)."""
        settings = self.settings_for(candidate.schools)
        labels = tuple(self.labels(candidate.item, candidate.sentiment, settings))
        if (
            candidate.baseline
            or candidate.item.extra.get("by_page") is True
            or not candidate.content_changed
        ):
            return Evaluation(labels)
        matches = self.matches(candidate, settings)
        spike = self._volume_spike(candidate, context) if context is not None else None
        drafts = [
            AlertDraft(
                rule=match.rule,
                severity=match.severity,
                summary=match.summary,
                dedupe_key=dedupe_key(match.rule, candidate.source, candidate.item.external_id),
                source=candidate.source,
            )
            for match in matches
        ]
        if spike is not None:
            drafts.append(spike)
        return Evaluation(labels, tuple(drafts))

    def matches(self, candidate: Candidate, settings: Settings | None = None) -> list[Match]:
        """Every rule that matches the candidate (volume aside), most severe first."""
        settings = settings or self.settings_for(candidate.schools)
        if summary_facts(candidate) is not None:
            return sorted(inspection_matches(candidate), key=lambda match: match.severity.rank)
        found: list[Match] = []
        revision = revision_facts(candidate)
        vandalism = wikipedia_vandalism(candidate, self._vandalism)
        if vandalism is not None:
            found.append(vandalism)
        # A revert's text is what it restored, and a reverted edit's text is gone from the page;
        # a revision is not something to thank anyone for.
        if not (revision is not None and (revision.is_revert or revision.reverted)):
            for check in CHECKS:
                if revision is not None and check is praise:
                    continue
                match = check(candidate, settings)
                if match is not None:
                    found.append(match)
        rules = {match.rule for match in found}
        if rules & _MORE_SPECIFIC:
            found = [match for match in found if match.rule != negative.__name__]
        if vandalism is not None:  # its summary already names the offensive words
            found = [match for match in found if match.rule not in _SAID_BY_VANDALISM]
        if len(found) > 1:
            found = [match for match in found if match.rule != praise.__name__]
        return sorted(found, key=lambda match: match.severity.rank)

    def _volume_spike(self, candidate: Candidate, context: RuleContext) -> AlertDraft | None:
        """One alert a day when the last 24 h hold far more mentions than usual."""
        if not candidate.is_new:
            return None
        count = context.count_in(candidate.item.published_at)
        expected = context.daily_mean
        if count < self._spike_min or count <= self._spike_factor * expected:
            return None
        day = context.now.date().isoformat()
        return AlertDraft(
            rule="volume_spike",
            severity=Severity.HIGH,
            summary=(
                f"{count} mentions in 24 h against {expected:.1f} a day over the previous "
                f"28 days (more than {self._spike_factor:g}×); latest from {candidate.source}"
            ),
            dedupe_key=f"volume_spike:{day}",
            source=candidate.source,
        )

    def labels(
        self, item: Item, sentiment: Sentiment | None, settings: Settings | None = None
    ) -> list[str]:
        """Sorted labels: negative|positive|neutral, low_rating, staff_named."""
        settings = settings or self._settings
        labels: list[str] = []
        if sentiment is not None:
            labels.append(label_of(sentiment, settings.tone))
        if item.rating is not None and item.rating <= 2:
            labels.append(Label.LOW_RATING)
        if settings.staff.find(item.title, item.text):
            labels.append(Label.STAFF_NAMED)
        return sorted(str(label) for label in labels)


def dedupe_key(rule: str, source: str, external_id: str) -> str:
    """The once-ever key of a (rule, mention) alert."""
    return f"{rule}:{source}:{external_id}"
