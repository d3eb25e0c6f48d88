"""Benchmark: our school-aware sentiment against plain VADER, on school text and on general text.

    .venv/bin/python benchmarks/sentiment.py [--vader-paper DIR] [--misses]

1. School text: tests/data/school_sentiment.tsv (hand-labelled negative/neutral/positive, with
   every failure class of issue #11). Each text gets a label the way the monitor labels it
   (`monitor.judgement.sentiment.label_of`: negative at or below -0.5, positive at or above 0.5)
   from
   - plain VADER: `polarity_scores(text)["compound"]`;
   - VADER + worst sentence: our scorer without the school lexicon (the per-sentence view only);
   - ours: the school lexicon, rewrites and the worst sentence (`SentimentScorer()`).
   Accuracy, recall per class, the confusion matrix, and accuracy per failure class.
2. General text: the four human-rated sets of the VADER paper (read in place, never copied):
   Pearson r of plain VADER's compound and of our headline compound against the mean rating.
Run by hand; record the output in docs/performance.md. Not a test (tests/test_sentiment.py
checks the labelled set's accuracy without timing).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from monitor.judgement.sentiment import SentimentScorer, label_of  # noqa: E402
from monitor.model import Label, Sentiment  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "school_sentiment.tsv"
# The team's shared folder sits beside the checkout (../shared), as DEVELOPERS.md says.
VADER_PAPER = ROOT.parent / "shared" / "data" / "vader-paper"
SETS = {
    "tweets": "tweets_GroundTruth.txt",
    "movie reviews": "movieReviewSnippets_GroundTruth.txt",
    "Amazon reviews": "amazonReviewSnippets_GroundTruth.txt",
    "NYT editorials": "nytEditorialSnippets_GroundTruth.txt",
}
CLASSES = (Label.NEGATIVE, Label.NEUTRAL, Label.POSITIVE)


@dataclass(frozen=True, slots=True)
class Example:
    """One hand-labelled text."""

    label: Label
    failure_class: str
    text: str


def read_labelled(path: Path = LABELLED) -> list[Example]:
    """The labelled school texts (label, failure class, text; '#' lines are comments)."""
    examples = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, failure_class, text = line.split("\t", 2)
            examples.append(Example(Label(label), failure_class, text))
    return examples


def plain_vader_label(analyzer: SentimentIntensityAnalyzer) -> Callable[[str], Label]:
    """Labels from plain VADER's compound, with the monitor's thresholds."""

    def label(text: str) -> Label:
        compound = float(analyzer.polarity_scores(text)["compound"])
        return label_of(Sentiment(compound, 0, 0, 0, compound, "", ()))

    return label


def scorer_label(scorer: SentimentScorer) -> Callable[[str], Label]:
    """Labels from one of our scorers (the worst sentence counts)."""
    return lambda text: label_of(scorer.score(text))


def report_labelled(
    name: str, examples: Sequence[Example], label: Callable[[str], Label]
) -> list[Example]:
    """Print accuracy, recall per class, confusion matrix and accuracy per failure class."""
    predicted = [label(example.text) for example in examples]
    pairs = Counter(
        (example.label, guess) for example, guess in zip(examples, predicted, strict=True)
    )
    right = sum(pairs[(cls, cls)] for cls in CLASSES)
    print(f"\n{name}: accuracy {right / len(examples):.3f} ({right}/{len(examples)})")
    for cls in CLASSES:
        total = sum(pairs[(cls, other)] for other in CLASSES)
        print(f"  recall {cls:<8} {pairs[(cls, cls)] / total:.3f} ({pairs[(cls, cls)]}/{total})")
    print("  confusion (rows: true, columns: predicted)  " + " ".join(f"{c:>8}" for c in CLASSES))
    for cls in CLASSES:
        print(f"  {cls:<42}" + " ".join(f"{pairs[(cls, other)]:>8}" for other in CLASSES))
    by_class: dict[str, list[bool]] = {}
    for example, guess in zip(examples, predicted, strict=True):
        by_class.setdefault(example.failure_class, []).append(guess == example.label)
    print(
        "  by failure class: "
        + ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in sorted(by_class.items()))
    )
    return [e for e, g in zip(examples, predicted, strict=True) if g != e.label]


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson's correlation coefficient."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy)


def read_rated(path: Path) -> list[tuple[float, str]]:
    """(mean human rating, text) of one VADER-paper file: id, rating, text tab-separated."""
    rows = []
    for line in path.read_text("utf-8", errors="replace").splitlines():
        parts = line.split("\t", 2)
        if len(parts) == 3:
            rows.append((float(parts[1]), parts[2]))
    return rows


def report_general(
    directory: Path, analyzer: SentimentIntensityAnalyzer, ours: SentimentScorer
) -> None:
    """Pearson r of plain VADER and of our compound against the human ratings, per set."""
    print(f"\nGeneral text ({directory}): Pearson r against the mean human rating")
    print(f"  {'set':<16}{'n':>7}{'plain VADER':>13}{'ours':>8}{'ours - plain':>14}")
    timings: list[tuple[int, float, float]] = []
    for name, file in SETS.items():
        rows = read_rated(directory / file)
        ratings = [rating for rating, _ in rows]
        started = time.perf_counter()
        plain = [float(analyzer.polarity_scores(text)["compound"]) for _, text in rows]
        middle = time.perf_counter()
        school = [ours.score(text).compound for _, text in rows]
        timings.append((len(rows), middle - started, time.perf_counter() - middle))
        r_plain, r_ours = pearson(plain, ratings), pearson(school, ratings)
        print(f"  {name:<16}{len(rows):>7}{r_plain:>13.3f}{r_ours:>8.3f}{r_ours - r_plain:>+14.3f}")
    texts = sum(n for n, _, _ in timings)
    plain_rate = texts / sum(t for _, t, _ in timings)
    ours_rate = texts / sum(t for _, _, t in timings)
    print(
        f"  speed over all {texts} texts: plain VADER {plain_rate:,.0f}/s, ours {ours_rate:,.0f}/s"
    )


def main() -> None:
    """Run both halves and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vader-paper", type=Path, default=VADER_PAPER)
    parser.add_argument("--misses", action="store_true", help="List the texts ours mislabels.")
    args = parser.parse_args()
    analyzer = SentimentIntensityAnalyzer()
    ours = SentimentScorer()
    examples = read_labelled()
    counts = Counter(example.label for example in examples)
    print(
        f"School text: {len(examples)} labelled ({', '.join(f'{c} {counts[c]}' for c in CLASSES)})"
    )
    report_labelled("plain VADER", examples, plain_vader_label(analyzer))
    report_labelled("VADER + worst sentence", examples, scorer_label(SentimentScorer(school=False)))
    misses = report_labelled("ours", examples, scorer_label(ours))
    if args.misses:
        for example in misses:
            print(f"  MISS {example.label}: {ours.score(example.text)} {example.text}")
    report_general(args.vader_paper, analyzer, ours)


if __name__ == "__main__":
    main()
