"""[tone]: thresholds that leave a neutral band, chances that are chances."""

from __future__ import annotations

from pathlib import Path

from monitor.config.settings import load
from monitor.model import Tone
from tests.config.support import SCHOOL, problems_of, write


def test_tone_thresholds_must_leave_a_neutral_band(tmp_path: Path) -> None:
    text = SCHOOL + "[sentiment]\nnegative_threshold = 0.2\npositive_threshold = 0.1\n"
    assert problems_of(write(tmp_path, text)) == [
        "config.toml: at 'sentiment': negative_threshold must be below positive_threshold"
    ]
    tuned = SCHOOL + "[sentiment]\nnegative_threshold = -0.05\nsentence_threshold = -0.5\n"
    config = load(write(tmp_path, tuned))
    assert config.sentiment.tone == Tone(negative=-0.05, positive=0.5, sentence=-0.5)


def test_tone_chances_are_read_into_tone_and_must_be_chances(tmp_path: Path) -> None:
    tuned = SCHOOL + "[sentiment]\nnegative_probability = 0.6\npositive_probability = 0.7\n"
    tone = load(write(tmp_path, tuned)).sentiment.tone
    assert (tone.negative_probability, tone.positive_probability) == (0.6, 0.7)
    assert load(write(tmp_path, SCHOOL)).sentiment.tone == Tone()  # 0.35 and 0.45
    for bad in ("negative_probability = 0", "positive_probability = 1.5"):
        problems = problems_of(write(tmp_path, SCHOOL + f"[sentiment]\n{bad}\n"))
        assert len(problems) == 1 and bad.split()[0] in problems[0]
