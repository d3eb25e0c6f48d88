"""The `wikipedia_vandalism` rule, over the signals the wikipedia adapter puts in `extra`.

Urgent when an edit of a watched page looks like vandalism: a temporary or anonymous editor
removing much of the page (or blanking or replacing it), offensive words added by anyone, or a
revert risk at or above the threshold. An edit the wiki has already reverted is only info: the
SLT may want to know, but nothing is left to do. See docs/sources/wikipedia.md for the keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from monitor.judgement.rules.checks import Match
from monitor.judgement.rules.explain import words
from monitor.model import ItemType, Severity

if TYPE_CHECKING:
    from monitor.judgement.rules import Candidate

LOGGED_OUT = frozenset({"temporary", "anonymous"})


@dataclass(frozen=True, slots=True)
class VandalismSettings:
    """What counts as a large removal, and as a high revert risk."""

    large_removal_bytes: int
    large_removal_share: float
    revert_risk_threshold: float


def is_revision(candidate: Candidate) -> bool:
    """A revision of a watched Wikipedia page."""
    return candidate.source_type == "wikipedia" and candidate.item.item_type == ItemType.REVISION


def wikipedia_vandalism(candidate: Candidate, settings: VandalismSettings) -> Match | None:
    """Urgent for likely vandalism; info when the wiki has already reverted it."""
    if not is_revision(candidate):
        return None
    extra = candidate.item.extra
    if extra.get("is_revert"):
        return None  # a revert undoes others' edits: the cure, not the harm
    reasons = signals(extra, settings)
    if not reasons:
        return None
    editor = _editor(extra)
    summary = f"possible vandalism by {editor}: {'; '.join(reasons)}"
    if extra.get("reverted"):
        return Match("wikipedia_vandalism", Severity.INFO, summary + " (already reverted)")
    return Match("wikipedia_vandalism", Severity.URGENT, summary)


def signals(extra: Mapping[str, Any], settings: VandalismSettings) -> list[str]:
    """The reasons this edit looks like vandalism (empty: it does not)."""
    reasons: list[str] = []
    if extra.get("editor_kind") in LOGGED_OUT:
        removed = _number(extra.get("bytes_removed"))
        share = _number(extra.get("removed_share"))
        if extra.get("blanking"):
            reasons.append("blanked the page")
        elif extra.get("replaced"):
            reasons.append("replaced most of the page")
        elif removed >= settings.large_removal_bytes or share >= settings.large_removal_share:
            reasons.append(f"removed {removed:g} bytes ({share:.0%} of the page)")
    offensive = [str(word) for word in extra.get("offensive_words") or ()]
    if offensive:
        reasons.append(f"added offensive words {words(offensive)}")
    risk = extra.get("revert_risk")
    if isinstance(risk, int | float) and risk >= settings.revert_risk_threshold:
        reasons.append(f"revert risk {risk:.2f}")
    return reasons


def _editor(extra: Mapping[str, Any]) -> str:
    kind = extra.get("editor_kind")
    return {
        "temporary": "a temporary account",
        "anonymous": "an anonymous (IP) editor",
        "hidden": "a hidden user",
    }.get(str(kind), "a registered editor")


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
