"""The `ofsted_report` and `parent_view_fall` rules, over the facts an inspection source hands on.

ofsted_report (high): a new inspection report (a new mention; its updates raise nothing).
Urgent when safeguarding is Not met, any area is "Urgent improvement", or the school is in a
category of concern; the summary also names any area that "Needs attention" and any grade that
fell since the report before. Grades are compared on their own scale only: report-card areas
(Exceptional … Urgent improvement) with the same area of the report before, an older report's
overall grade (Outstanding … Inadequate) with the one before it; a grade on no known scale is
never called a fall.

parent_view_fall (high): Parent View's share of parents agreeing that their child is happy or
safe, or who would recommend the school, fell by FALL_POINTS or more since the figures before.

Both read typed facts only (`InspectionFacts`, `ParentViewFacts`); the text of such a mention
is the monitor's own summary of grades, so the word and tone rules stand down for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.judgement.rules.candidate import Candidate
from monitor.judgement.rules.checks import Match
from monitor.model import InspectionFacts, ParentViewFacts, Severity

REPORT_RULE = "ofsted_report"
PARENT_VIEW_RULE = "parent_view_fall"
# Best first. Report cards (from November 2025), then older overall and key judgements.
REPORT_CARD_SCALE = (
    "exceptional",
    "strong standard",
    "expected standard",
    "needs attention",
    "urgent improvement",
)
OLDER_SCALE = ("outstanding", "good", "requires improvement", "inadequate")
NEEDS_ATTENTION = "needs attention"
URGENT_IMPROVEMENT = "urgent improvement"
NOT_MET = "not met"
FALL_POINTS = 10
WATCHED_QUESTIONS = {
    "happy": "happy",
    "safe": "safe",
    "recommend": "would recommend the school",
}


def summary_facts(candidate: Candidate) -> InspectionFacts | ParentViewFacts | None:
    """The candidate's inspection or Parent View facts, or None when it has neither."""
    facts = candidate.item.facts
    return facts if isinstance(facts, InspectionFacts | ParentViewFacts) else None


def inspection_matches(candidate: Candidate) -> list[Match]:
    """The inspection rules that match the candidate (none without their facts)."""
    facts = summary_facts(candidate)
    if isinstance(facts, InspectionFacts):
        # News once, when the report is first stored: a later update of its mention (the MI
        # file confirming it, the page adding its PDF or correcting a grade) is not a new report.
        return [ofsted_report(facts, candidate.item.title)] if candidate.is_new else []
    if isinstance(facts, ParentViewFacts):
        fall = parent_view_fall(facts)
        return [] if fall is None else [fall]
    return []


def ofsted_report(facts: InspectionFacts, title: str | None) -> Match:
    """High for any new report; urgent for Not met, Urgent improvement or a category of concern."""
    urgent: list[str] = []
    if (facts.safeguarding or "").strip().lower() == NOT_MET:
        urgent.append("safeguarding Not met")
    urgent += [
        f"{area}: {grade}" for area, grade in facts.grades if same(grade, URGENT_IMPROVEMENT)
    ]
    if facts.category_of_concern is not None:
        urgent.append(f"category of concern: {facts.category_of_concern}")
    attention = [f"{area}: {grade}" for area, grade in facts.grades if same(grade, NEEDS_ATTENTION)]
    reasons = urgent + attention + [f"fell: {fall}" for fall in fallen(facts)]
    what = title or f"Ofsted {facts.report}"
    summary = f"new report: {what}" + (f"; {'; '.join(reasons)}" if reasons else "")
    return Match(REPORT_RULE, Severity.URGENT if urgent else Severity.HIGH, summary)


def fallen(facts: InspectionFacts) -> list[str]:
    """Each grade lower than the same one in the report before ("Achievement: Strong standard
    to Needs attention")."""
    falls: list[str] = []
    before = {area.strip().lower(): grade for area, grade in facts.previous_grades}
    for area, grade in facts.grades:
        earlier = before.get(area.strip().lower())
        if earlier is not None and lower(grade, earlier):
            falls.append(f"{area} from {earlier} to {grade}")
    if facts.overall is not None and facts.previous_overall is not None:
        if lower(facts.overall, facts.previous_overall):
            falls.append(f"overall effectiveness from {facts.previous_overall} to {facts.overall}")
    return falls


def lower(grade: str, earlier: str) -> bool:
    """True when `grade` is worse than `earlier` on a scale both are on."""
    for scale in (REPORT_CARD_SCALE, OLDER_SCALE):
        now, then = rank(grade, scale), rank(earlier, scale)
        if now is not None and then is not None:
            return now > then
    return False


def rank(grade: str, scale: Sequence[str]) -> int | None:
    """The grade's place on the scale (0 is best), or None when it is not on it."""
    wanted = " ".join(grade.lower().split())
    return scale.index(wanted) if wanted in scale else None


def same(grade: str, wanted: str) -> bool:
    """True when the grade reads `wanted` (case and spacing aside)."""
    return " ".join(grade.lower().split()) == wanted


def parent_view_fall(facts: ParentViewFacts) -> Match | None:
    """High when happy, safe or recommend fell by FALL_POINTS or more since the figures before."""
    before = dict(facts.previous_agree)
    falls = [
        f"{WATCHED_QUESTIONS[key]} {before[key]}% to {share}%"
        for key, share in facts.agree
        if key in WATCHED_QUESTIONS and key in before and before[key] - share >= FALL_POINTS
    ]
    if not falls:
        return None
    summary = f"Parent View ({facts.responses} responses): fewer parents agree: {'; '.join(falls)}"
    return Match(PARENT_VIEW_RULE, Severity.HIGH, summary)
