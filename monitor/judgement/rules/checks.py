"""The built-in rules, one function each: a candidate and the settings in, a `Match` or None out.

Each explains itself in its summary: which words, which scores, which sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from monitor.judgement.rules.candidate import Candidate
from monitor.judgement.rules.explain import chances, quote, signed, why, words, worst
from monitor.judgement.rules.staff import StaffNames
from monitor.judgement.sentiment import label_of
from monitor.model import DEFAULT_TONE, ItemType, Label, Severity, Tone
from sources.common.words import WordMatcher


@dataclass(frozen=True, slots=True)
class Match:
    """One rule that matched: its name, severity and one-line reason."""

    rule: str
    severity: Severity
    summary: str


@dataclass(frozen=True, slots=True)
class Settings:
    """The thresholds and word lists the rules read (from [alerts] and [school] staff)."""

    negative_threshold: float
    staff_negative_threshold: float
    praise_threshold: float
    safeguarding: WordMatcher
    extremism: WordMatcher
    abusive: WordMatcher
    staff: StaffNames
    tone: Tone = DEFAULT_TONE  # the tone label's thresholds ([sentiment])


Check = Callable[["Candidate", Settings], Match | None]


def _texts(candidate: Candidate) -> tuple[str | None, str]:
    return candidate.item.title, candidate.item.text


def _words_rule(rule: str, severity: Severity, what: str) -> Check:
    """A rule that matches when its word list is found in the title or text."""

    def check(candidate: Candidate, settings: Settings) -> Match | None:
        matcher: WordMatcher = getattr(settings, rule)
        found = matcher.find(*_texts(candidate))
        if not found:
            return None
        return Match(rule, severity, f"{what}: {words(found)}; {quote(_context(candidate))}")

    return check


def _context(candidate: Candidate) -> str:
    """The sentence to quote: the worst one, or the start of the text."""
    sentiment = candidate.sentiment
    if sentiment is not None and sentiment.most_negative_sentence:
        return sentiment.most_negative_sentence
    return candidate.item.title or candidate.item.text


safeguarding = _words_rule("safeguarding", Severity.URGENT, "safeguarding words")
extremism = _words_rule("extremism", Severity.URGENT, "extremism (Prevent) words")
abusive = _words_rule("abusive", Severity.HIGH, "abusive words")


def staff_named(candidate: Candidate, settings: Settings) -> Match | None:
    """A member of staff named: urgent when the mention is labelled negative, or VADER's
    compound or worst sentence is at or below [alerts] staff_negative_threshold.

    Configured staff make a negative mention urgent. Someone else named by title and surname
    ("Mr Jones") may be a teacher missing from [school] staff, or an MP in a news story: high,
    not urgent, so a stranger's name never wakes the head teacher, and the summary says so.
    """
    configured, titled = settings.staff.find_split(*_texts(candidate))
    if not configured and not titled:
        return None
    sentiment = candidate.sentiment
    negative = sentiment is not None and (
        min(sentiment.compound, sentiment.most_negative) <= settings.staff_negative_threshold
        or label_of(sentiment, settings.tone) == Label.NEGATIVE
    )
    if configured:
        summary = f"names a member of staff ({', '.join(configured + titled)})"
    else:
        summary = f"names someone by title ({', '.join(titled)}), not in [school] staff"
    if sentiment is not None:
        summary += f"; {worst(sentiment, always=True)}"
    if negative:
        severity = Severity.URGENT if configured else Severity.HIGH
        return Match("staff_named", severity, summary + " (negative)")
    return Match("staff_named", Severity.NORMAL, summary)


def low_rating(candidate: Candidate, settings: Settings) -> Match | None:
    """A review of 1 or 2 stars."""
    rating = candidate.item.rating
    if rating is None or candidate.item.item_type != ItemType.REVIEW or rating > 2:
        return None
    text = candidate.item.text.strip()
    shown = f": {quote(text)}" if text else " (no text)"
    return Match("low_rating", Severity.HIGH, f"{rating:g}-star review{shown}")


def negative(candidate: Candidate, settings: Settings) -> Match | None:
    """Labelled negative: by the tone model, or (without it) at or below the alert threshold."""
    sentiment = candidate.sentiment
    if sentiment is None or label_of(sentiment, settings.tone) != Label.NEGATIVE:
        return None
    if sentiment.p_negative is not None:
        summary = f"negative ({chances(sentiment)}; {worst(sentiment)}){why(sentiment)}"
    elif min(sentiment.compound, sentiment.most_negative) > settings.negative_threshold:
        return None
    else:
        summary = (
            f"negative ({worst(sentiment)}; threshold {signed(settings.negative_threshold)})"
            f"{why(sentiment)}"
        )
    if sentiment.most_negative >= sentiment.compound:  # no worst sentence quoted: the text
        summary += f"; {quote(_context(candidate))}"
    return Match("negative", Severity.NORMAL, summary)


def praise(candidate: Candidate, settings: Settings) -> Match | None:
    """Labelled positive by the tone model (without it: strongly positive), or 5 stars, and
    not labelled negative: to thank."""
    sentiment = candidate.sentiment
    five_stars = candidate.item.item_type == ItemType.REVIEW and candidate.item.rating == 5
    label = None if sentiment is None else label_of(sentiment, settings.tone)
    if label == Label.NEGATIVE:
        return None
    if five_stars:
        reason = "5-star review"
    elif sentiment is not None and sentiment.p_positive is not None:
        if label != Label.POSITIVE:
            return None
        reason = f"praise, {chances(sentiment)}{why(sentiment)}"
    elif sentiment is not None and sentiment.compound >= settings.praise_threshold:
        reason = f"praise, compound {signed(sentiment.compound)}{why(sentiment)}"
    else:
        return None
    return Match("praise", Severity.INFO, f"to acknowledge: {reason}; {quote(_start(candidate))}")


def _start(candidate: Candidate) -> str:
    return candidate.item.text or candidate.item.title or ""


def new_thread(candidate: Candidate, settings: Settings) -> Match | None:
    """A new forum thread about the school (Mumsnet)."""
    item = candidate.item
    if item.item_type != ItemType.THREAD or not candidate.is_new:
        return None
    return Match("new_thread", Severity.HIGH, f"new thread: {quote(item.title or item.text)}")


CHECKS: tuple[Check, ...] = (
    safeguarding,
    extremism,
    staff_named,
    abusive,
    low_rating,
    negative,
    new_thread,
    praise,
)
