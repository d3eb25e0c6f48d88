"""How a rule explains itself in one line: scores with a real minus sign, short quotes."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.model import Sentiment
from sources.common.text import one_line

QUOTE = 120  # characters of a sentence quoted in a summary


def signed(value: float) -> str:
    """A score as "−0.82" or "+0.64" (a typographic minus reads better in mail)."""
    return f"{value:+.2f}".replace("-", "−")


def quote(text: str | None) -> str:
    """`text` on one line in single quotes, cut with an ellipsis."""
    line = one_line(text, 10_000)
    if len(line) > QUOTE:
        line = line[: QUOTE - 1].rstrip() + "…"
    return f"'{line}'"


def words(found: Sequence[str]) -> str:
    """Words found, quoted and comma-separated."""
    return ", ".join(f"'{word}'" for word in found)


def worst(sentiment: Sentiment, *, always: bool = False) -> str:
    """The compound and the worst sentence with its score (shown if worse, or if `always`)."""
    text = f"compound {signed(sentiment.compound)}"
    shown = always or sentiment.most_negative < sentiment.compound
    if shown and sentiment.most_negative_sentence:
        text += (
            f"; worst sentence {signed(sentiment.most_negative)}: "
            f"{quote(sentiment.most_negative_sentence)}"
        )
    return text


def chances(sentiment: Sentiment) -> str:
    """ "P(negative) 0.81, P(positive) 0.02": the tone model's chances ("" if it did not judge)."""
    if sentiment.p_negative is None or sentiment.p_positive is None:
        return ""
    return f"P(negative) {sentiment.p_negative:.2f}, P(positive) {sentiment.p_positive:.2f}"


def why(sentiment: Sentiment) -> str:
    """ "; why: 'shambles', 'done nothing'" from the sentiment's reasons, or ""."""
    return f"; why: {words(sentiment.words[:4])}" if sentiment.words else ""
