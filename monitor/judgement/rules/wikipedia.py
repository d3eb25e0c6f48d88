"""The `wikipedia_vandalism` rule, over the `RevisionFacts` the wikipedia adapter hands on.

Urgent when an edit of a watched page looks like vandalism: a temporary or anonymous editor
removing much of the page (or blanking or replacing it), offensive words added by anyone, or a
revert risk at or above the threshold. An edit the wiki has already reverted is only info: the
SLT may want to know, but nothing is left to do. The facts are typed (monitor.model): a renamed
field breaks the type check, never silently this rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.judgement.rules.candidate import Candidate
from monitor.judgement.rules.checks import Match
from monitor.judgement.rules.explain import words
from monitor.model import EditorKind, RevisionFacts, Severity

LOGGED_OUT = frozenset({EditorKind.TEMPORARY, EditorKind.ANONYMOUS})
EDITORS = {
    EditorKind.TEMPORARY: "a temporary account",
    EditorKind.ANONYMOUS: "an anonymous (IP) editor",
    EditorKind.HIDDEN: "a hidden user",
    EditorKind.REGISTERED: "a registered editor",
}


@dataclass(frozen=True, slots=True)
class VandalismSettings:
    """What counts as a large removal, and as a high revert risk."""

    large_removal_bytes: int
    large_removal_share: float
    revert_risk_threshold: float


def revision_facts(candidate: Candidate) -> RevisionFacts | None:
    """The facts of a wiki revision, or None when the candidate is not one."""
    facts = candidate.item.facts
    return facts if isinstance(facts, RevisionFacts) else None


def wikipedia_vandalism(candidate: Candidate, settings: VandalismSettings) -> Match | None:
    """Urgent for likely vandalism; info when the wiki has already reverted it."""
    facts = revision_facts(candidate)
    if facts is None or facts.is_revert:
        return None  # a revert undoes others' edits: the cure, not the harm
    reasons = signals(facts, settings)
    if not reasons:
        return None
    summary = f"possible vandalism by {EDITORS[facts.editor]}: {'; '.join(reasons)}"
    if facts.reverted:
        return Match("wikipedia_vandalism", Severity.INFO, summary + " (already reverted)")
    return Match("wikipedia_vandalism", Severity.URGENT, summary)


def signals(facts: RevisionFacts, settings: VandalismSettings) -> list[str]:
    """The reasons this edit looks like vandalism (empty: it does not)."""
    reasons: list[str] = []
    if facts.editor in LOGGED_OUT:
        removed = facts.bytes_removed or 0
        share = facts.removed_share or 0.0
        if facts.blanking:
            reasons.append("blanked the page")
        elif facts.replaced:
            reasons.append("replaced most of the page")
        elif removed >= settings.large_removal_bytes or share >= settings.large_removal_share:
            reasons.append(f"removed {removed:g} bytes ({share:.0%} of the page)")
    if facts.offensive_words:
        reasons.append(f"added offensive words {words(facts.offensive_words)}")
    risk = facts.revert_risk
    if risk is not None and risk >= settings.revert_risk_threshold:
        reasons.append(f"revert risk {risk:.2f}")
    return reasons
