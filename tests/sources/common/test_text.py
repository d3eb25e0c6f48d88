"""Snippets for error messages: one line, secrets masked before the text is shortened."""

from __future__ import annotations

import pytest

from monitor.config.secrets import Secret
from sources.common.text import masked_line

TOKEN = Secret("EAAGtextTestToken" + "x7Qz" * 50)  # 217 characters, registered for masking


@pytest.mark.parametrize("prefix", [0, 23, 150, 199])
def test_a_secret_across_the_limit_is_masked_not_cut(prefix: int) -> None:
    line = masked_line("p" * prefix + TOKEN.reveal() + " and after", 200)
    masked = "p" * prefix + "*** and after"
    assert line == (masked if len(masked) <= 200 else masked[:199] + "…")
    assert "EAAGtext" not in line and "x7Qz" not in line


def test_short_text_is_kept_on_one_line_without_an_ellipsis() -> None:
    assert masked_line("Error validating\n  access token:\tsession expired", 200) == (
        "Error validating access token: session expired"
    )
    assert masked_line(None, 10) == ""


def test_long_text_is_cut_to_the_limit_with_an_ellipsis() -> None:
    line = masked_line("word " * 100, 40)
    assert len(line) == 40 and line.endswith("…")
