"""Benchmark: the monitor's tone labels on school talk nobody tuned it to, general text, and speed.

    .venv/bin/python benchmarks/sentiment.py [--held-out] [--by-writer] [--misses]
                                             [--no-general] [--vader-paper DIR]

1. School talk (benchmarks/data/school_talk_*.tsv, written blind; see its README). Each text is
   labelled by the product's own path: `Ingest` of the shipped config.toml scores
   it as a scan would (`score_item`) and the rules give its labels (`Rules.labels`); the tone is
   the negative/neutral/positive label among them. Baseline in the same run: plain VADER's
   compound with the old product thresholds (negative at or below -0.5, positive at or above
   0.5). Accuracy, recall per class, confusion, and accuracy and negative recall per genre.
   The development half (tuned on: marked so) always; the test half only with --held-out, and
   then only aggregate figures (its texts are never printed: do not tune on it).
   --by-writer: leave one writer out. For each of the development half's writers (the id's
   letter: a, b, c, d), the tone model is fitted on the other three (benchmarks/train_tone.py,
   needs scikit-learn) and the product labels the fourth with it; beside it, the scorer without
   a model (VADER's thresholds over the constructions: the first pass). Writers a and b wrote
   the texts the constructions were written from, so their figures flatter; c and d's do not.
2. The old hand-labelled set tests/data/school_sentiment.tsv (tuned on in issue #11): regression.
3. General text: the four human-rated sets of the VADER paper (read in place, never copied):
   Pearson r of plain VADER's compound and of our headline compound against the mean rating.
4. Speed: plain VADER's polarity_scores against our score of the same texts, best of three, as a
   ratio: the 10,000 texts the ingest benchmark scores (headline and entry), and the development
   half's texts (real school talk, each text different). Each round's scorer is new and has read
   none of the texts (the tone model remembers the tokens it has read).
Run by hand; record the output in docs/performance.md. Not a test.
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

from monitor.config.settings import Config, load  # noqa: E402
from monitor.judgement.sentiment import SentimentScorer, item_text  # noqa: E402
from monitor.judgement.tone import ToneModel  # noqa: E402
from monitor.model import Item, ItemType, Label  # noqa: E402
from monitor.scan.ingest import Ingest  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
DEV = DATA / "school_talk_dev.tsv"
TEST = DATA / "school_talk_test.tsv"
OLD_SET = ROOT / "tests" / "data" / "school_sentiment.tsv"
SHIPPED_CONFIG = ROOT / "config.toml"
SETS = {
    "tweets": "tweets_GroundTruth.txt",
    "movie reviews": "movieReviewSnippets_GroundTruth.txt",
    "Amazon reviews": "amazonReviewSnippets_GroundTruth.txt",
    "NYT editorials": "nytEditorialSnippets_GroundTruth.txt",
}
CLASSES = (Label.NEGATIVE, Label.NEUTRAL, Label.POSITIVE)
TONES = frozenset(CLASSES)
OLD_NEGATIVE, OLD_POSITIVE = -0.5, 0.5  # the product's thresholds before issue #18
Labeller = Callable[[Sequence[str]], list[Label]]


def vader_paper_directory() -> Path:
    """The team's shared folder (../shared beside a checkout, or beside a worktree's parent)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        candidate = base / "shared" / "data" / "vader-paper"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "data" / "vader-paper"


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text, with its genre (or failure class, in the old set)."""

    label: Label
    group: str
    text: str


def read_school_talk(path: Path) -> list[Example]:
    """A school-talk half: columns id, genre, label, text, with a header line."""
    return [example for _, example in read_by_writer(path)]


def read_by_writer(path: Path) -> list[tuple[str, Example]]:
    """(writer, example) of each text of a half: the writer is the first letter of its id."""
    examples = []
    for line in path.read_text("utf-8").splitlines()[1:]:
        if line.strip():
            identifier, genre, label, text = line.split("\t", 3)
            examples.append((identifier[0], Example(Label(label), genre, text)))
    return examples


def read_old_set(path: Path = OLD_SET) -> list[Example]:
    """The old labelled set (label, failure class, text; '#' lines are comments)."""
    examples = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, failure_class, text = line.split("\t", 2)
            examples.append(Example(Label(label), failure_class, text))
    return examples


def product_labeller(ingest: Ingest) -> Labeller:
    """Tone labels as a scan stores them: the ingest's scorer and rules, one item per text."""

    def label(texts: Sequence[str]) -> list[Label]:
        items = [
            Item(external_id=f"bench-{index}", item_type=ItemType.POST, text=text)
            for index, text in enumerate(texts)
        ]
        scored = ingest.score("bench", "feed", items, {}, baseline=False)
        return [tone_of(each.evaluation.labels) for each in scored]

    return label


def tone_of(labels: Sequence[str]) -> Label:
    """The negative/neutral/positive label among a mention's labels."""
    (tone,) = (Label(label) for label in labels if label in TONES)
    return tone


def plain_vader_labeller(analyzer: SentimentIntensityAnalyzer) -> Labeller:
    """Plain VADER's compound of the same text, with the product's old thresholds."""

    def label(texts: Sequence[str]) -> list[Label]:
        labels = []
        for text in texts:
            compound = float(analyzer.polarity_scores(item_text(None, text))["compound"])
            if compound <= OLD_NEGATIVE:
                labels.append(Label.NEGATIVE)
            elif compound >= OLD_POSITIVE:
                labels.append(Label.POSITIVE)
            else:
                labels.append(Label.NEUTRAL)
        return labels

    return label


def report(
    name: str, examples: Sequence[Example], label: Labeller, group_name: str
) -> list[tuple[Example, Label]]:
    """Print accuracy, recall per class, confusion, and per group accuracy and negative recall."""
    predicted = label([example.text for example in examples])
    pairs = Counter(
        (example.label, guess) for example, guess in zip(examples, predicted, strict=True)
    )
    right = sum(pairs[(cls, cls)] for cls in CLASSES)
    print(f"\n{name}: accuracy {right / len(examples):.3f} ({right}/{len(examples)})")
    for cls in CLASSES:
        total = sum(pairs[(cls, other)] for other in CLASSES)
        print(f"  recall {cls:<8} {_share(pairs[(cls, cls)], total)}")
    print("  confusion (rows: true, columns: predicted)  " + " ".join(f"{c:>8}" for c in CLASSES))
    for cls in CLASSES:
        print(f"  {cls:<42}" + " ".join(f"{pairs[(cls, other)]:>8}" for other in CLASSES))
    groups: dict[str, list[tuple[Label, Label]]] = {}
    for example, guess in zip(examples, predicted, strict=True):
        groups.setdefault(example.group, []).append((example.label, guess))
    print(f"  by {group_name}: accuracy, negative recall")
    for group, results in sorted(groups.items()):
        correct = sum(true == guess for true, guess in results)
        negatives = [guess for true, guess in results if true == Label.NEGATIVE]
        caught = sum(guess == Label.NEGATIVE for guess in negatives)
        print(
            f"    {group:<20} {_share(correct, len(results))}"
            f"   {_share(caught, len(negatives)) if negatives else '-'}"
        )
    return [(e, g) for e, g in zip(examples, predicted, strict=True) if g != e.label]


def report_by_writer(config: Config) -> None:
    """Leave one writer out: fit on three writers' texts, label the fourth's as the product does."""
    from benchmarks.train_tone import fit

    rows = read_by_writer(DEV)
    writers = sorted({writer for writer, _ in rows})
    sentiment = config.sentiment
    features = SentimentScorer(sentiment.lexicon, fitted=False)
    print(f"\n==== Leave one writer out, development half ({len(rows)} texts)")
    pooled: dict[str, list[tuple[Example, Label]]] = {"model": [], "none": []}
    for writer in writers:
        held = [example for who, example in rows if who == writer]
        rest = [example for who, example in rows if who != writer]
        model = fit([e.text for e in rest], [str(e.label) for e in rest], features)
        ingest = Ingest(config)
        for name, scorer in (
            ("model", SentimentScorer(sentiment.lexicon, tone=model)),
            ("none", features),
        ):
            ingest.scorer = scorer
            others = ", ".join(sorted(set(writers) - {writer}))
            title = (
                f"writer {writer}, tone model fitted on {others}"
                if name == "model"
                else f"writer {writer}, no tone model (VADER's thresholds: the first pass)"
            )
            labels = product_labeller(ingest)([example.text for example in held])
            pooled[name].extend(zip(held, labels, strict=True))
            report(title, held, _fixed(labels), "genre")
    for name, pairs in pooled.items():
        examples = [example for example, _ in pairs]
        guesses = [guess for _, guess in pairs]
        what = "tone model, each writer unseen" if name == "model" else "no tone model"
        report(f"all four writers pooled ({what})", examples, _fixed(guesses), "genre")


def _fixed(labels: list[Label]) -> Labeller:
    """A labeller that gives labels already computed (to print them with `report`)."""
    return lambda texts: labels


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.3f} ({part}/{whole})" if whole else "-"


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


def report_general(directory: Path, analyzer: SentimentIntensityAnalyzer, ingest: Ingest) -> None:
    """Pearson r of plain VADER and of our compound against the human ratings, per set."""
    print(f"\nGeneral text ({directory}): Pearson r against the mean human rating")
    print(f"  {'set':<16}{'n':>7}{'plain VADER':>13}{'ours':>8}{'ours - plain':>14}")
    for name, file in SETS.items():
        rows = read_rated(directory / file)
        ratings = [rating for rating, _ in rows]
        plain = [float(analyzer.polarity_scores(text)["compound"]) for _, text in rows]
        ours = [ingest.scorer.score(text).compound for _, text in rows]
        r_plain, r_ours = pearson(plain, ratings), pearson(ours, ratings)
        print(f"  {name:<16}{len(rows):>7}{r_plain:>13.3f}{r_ours:>8.3f}{r_ours - r_plain:>+14.3f}")


def ingest_texts(entries: int = 10_000) -> list[str]:
    """What the ingest benchmark's scan scores of each of its entries: headline, then text."""
    from benchmarks.ingest import PHRASES  # the same phrases, without building the feed

    return [
        item_text(
            f"Story {number} about Calcot", f"{PHRASES[number % len(PHRASES)]} Item {number}."
        )
        for number in range(entries)
    ]


def report_speed(analyzer: SentimentIntensityAnalyzer, config: Config) -> None:
    """Texts per second of plain VADER and of our scorer on the same texts, best of three.

    The 10,000 texts the ingest benchmark scores (six phrases over and over, so the same few
    constructions each time), then the development half's school talk (every text different).
    Each round's scorer is new, built as `Ingest` builds it but with its own copy of the tone
    model: it remembers no token of the texts (the model remembers what each token reads as,
    and the labelling above, or an earlier round, would have shown it every word).
    """
    halves = [example.text for example in read_school_talk(DEV)]
    for name, texts in (
        ("the ingest benchmark's", ingest_texts()),
        ("the development half's", halves),
    ):
        plain_runs, ours_runs = [], []
        for _ in range(3):
            scorer = SentimentScorer.from_config(config, ToneModel.read_shipped())
            started = time.perf_counter()
            for text in texts:
                analyzer.polarity_scores(text)
            middle = time.perf_counter()
            for text in texts:
                scorer.score(text)
            plain_runs.append(middle - started)
            ours_runs.append(time.perf_counter() - middle)
        plain, ours = min(plain_runs), min(ours_runs)
        print(
            f"\nSpeed on {name} {len(texts):,} texts (best of 3): plain VADER "
            f"{len(texts) / plain:,.0f}/s, ours {len(texts) / ours:,.0f}/s: ours costs "
            f"{ours / plain:.2f}× plain VADER per text"
        )


def main() -> None:
    """Run every part and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vader-paper", type=Path, default=vader_paper_directory())
    parser.add_argument(
        "--held-out", action="store_true", help="Also the test half (aggregate figures only)."
    )
    parser.add_argument(
        "--misses", action="store_true", help="List the development texts ours mislabels."
    )
    parser.add_argument(
        "--by-writer",
        action="store_true",
        help="Leave one writer out: fit on three, measure on the fourth (needs scikit-learn).",
    )
    parser.add_argument("--no-general", action="store_true", help="Skip the VADER paper sets.")
    args = parser.parse_args()
    analyzer = SentimentIntensityAnalyzer()
    config = load(SHIPPED_CONFIG)
    ingest = Ingest(config)
    ours, plain = product_labeller(ingest), plain_vader_labeller(analyzer)
    halves = [("development half (TUNED ON: the shipped tone model was fitted on it)", DEV)]
    if args.held_out:
        halves.append(("test half (held out)", TEST))
    for name, path in halves:
        examples = read_school_talk(path)
        counts = Counter(example.label for example in examples)
        print(
            f"\n==== School talk, {name}: {len(examples)} texts "
            f"({', '.join(f'{c} {counts[c]}' for c in CLASSES)})"
        )
        report("plain VADER, old thresholds", examples, plain, "genre")
        misses = report("ours (the product's labels)", examples, ours, "genre")
        if args.misses and path == DEV:
            for example, guess in misses:
                sentiment = ingest.scorer.score(example.text)
                print(
                    f"  MISS {example.label}->{guess} compound {sentiment.compound:+.2f} "
                    f"worst {sentiment.most_negative:+.2f} {sentiment.words[:4]}: {example.text}"
                )
    if args.by_writer:
        report_by_writer(config)
    old = read_old_set()
    print(f"\n==== Old tuned set (regression), {OLD_SET.name}: {len(old)} texts")
    report("plain VADER, old thresholds", old, plain, "failure class")
    report("ours (the product's labels)", old, ours, "failure class")
    if not args.no_general:
        report_general(args.vader_paper, analyzer, ingest)
    report_speed(analyzer, config)


if __name__ == "__main__":
    main()
