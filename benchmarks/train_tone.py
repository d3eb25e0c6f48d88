"""Fit the tone model on school talk's development half: monitor/judgement/data/tone_model.json.

    .venv/bin/python benchmarks/train_tone.py            # needs scikit-learn (a dev dependency)

Reads benchmarks/data/school_talk_dev.tsv only (never the test half). The features are the
scorer's own (`SentimentScorer.features`: VADER's scores, the words and constructions it read,
pairs of them), so the product reads a text exactly as the model was fitted on it. Multinomial
logistic regression with an L2 penalty; a feature must occur in at least MIN_TEXTS texts.
The monitor itself needs no scikit-learn: it ships the weights and computes a dot product.
`benchmarks/sentiment.py --by-writer` fits the same way on three writers and measures on the fourth.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.judgement.sentiment import SentimentScorer, item_text  # noqa: E402
from monitor.judgement.tone import CLASSES, SCORES, ToneModel  # noqa: E402

DEV = ROOT / "benchmarks" / "data" / "school_talk_dev.tsv"
OUT = ROOT / "monitor" / "judgement" / "data" / "tone_model.json"
C = 1.0  # inverse L2 strength, chosen by leaving one writer out (docs/performance.md)
MIN_TEXTS = 2  # a word or pair seen in one text only is that text, not a pattern
DIGITS = 4  # weights rounded: the file stays small and diffs stay readable


def read_dev(path: Path = DEV) -> list[tuple[str, str, str]]:
    """(writer, label, text) of each development text; the writer is its id's letter."""
    rows = []
    for line in path.read_text("utf-8").splitlines()[1:]:
        if line.strip():
            identifier, _, label, text = line.split("\t", 3)
            rows.append((identifier[0], label, text))
    return rows


def feature_reader(lexicon: dict[str, float] | None = None) -> SentimentScorer:
    """The scorer whose features the model reads: the school lexicon, no tone model."""
    return SentimentScorer(lexicon or {}, fitted=False)


def fit(
    texts: Sequence[str],
    labels: Sequence[str],
    scorer: SentimentScorer,
    c: float = C,
    min_texts: int = MIN_TEXTS,
) -> ToneModel:
    """A tone model fitted on `texts` and their labels."""
    rows = [scorer.features(item_text(None, text)) for text in texts]
    return fit_features(rows, labels, c, min_texts)


def fit_features(
    rows: Sequence[dict[str, float]],
    labels: Sequence[str],
    c: float = C,
    min_texts: int = MIN_TEXTS,
) -> ToneModel:
    """A tone model fitted on each text's features and its label."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    seen = Counter(feature for row in rows for feature in row)
    kept = [{k: v for k, v in row.items() if k in SCORES or seen[k] >= min_texts} for row in rows]
    vectoriser = DictVectorizer()
    matrix = vectoriser.fit_transform(kept)
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(matrix, [CLASSES.index(label) for label in labels])
    names = vectoriser.get_feature_names_out()
    weights = {
        str(name): [round(float(model.coef_[k][j]), DIGITS) for k in range(len(CLASSES))]
        for j, name in enumerate(names)
    }
    weights = {name: values for name, values in weights.items() if any(values)}
    bias = [round(float(value), DIGITS) for value in model.intercept_]
    return ToneModel(weights, bias)


def main() -> None:
    """Fit on the whole development half and write the model file."""
    rows = read_dev()
    model = fit([text for _, _, text in rows], [label for _, label, _ in rows], feature_reader())
    document = model.to_json()
    # One feature a line: a refit's diff shows which weights moved.
    lines = [
        f"  {json.dumps(feature, ensure_ascii=False)}: {json.dumps(values)}"
        for feature, values in sorted(document["weights"].items())
    ]
    head = (
        f'{{"classes": {json.dumps(document["classes"])}, "bias": {json.dumps(document["bias"])},'
    )
    OUT.write_text(head + '\n"weights": {\n' + ",\n".join(lines) + "\n}}\n", "utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(document['weights'])} features from {len(rows)} texts")


if __name__ == "__main__":
    main()
