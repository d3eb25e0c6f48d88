"""[sources.*]: known types, names, tables."""

from __future__ import annotations

from pathlib import Path

from sources.base import adapters
from tests.config.support import SCHOOL, problems_of, write


def test_unknown_source_type_lists_the_known_types(tmp_path: Path) -> None:
    text = SCHOOL + '[sources.news]\ntype = "rss"\nurl = "https://example.org/"\n'
    [problem] = problems_of(write(tmp_path, text))
    assert problem.startswith("config.toml: at 'sources.news.type': unknown source type;")
    assert problem.endswith(f"known types: {', '.join(adapters())}")
    assert "probe" in problem


def test_source_without_a_type(tmp_path: Path) -> None:
    text = SCHOOL + '[sources.news]\nurl = "https://example.org/"\n'
    [problem] = problems_of(write(tmp_path, text))
    assert problem.startswith("config.toml: at 'sources.news.type': required")
    assert "probe" in problem


def test_source_names_are_checked(tmp_path: Path) -> None:
    text = SCHOOL + '[sources.News]\ntype = "probe"\nurl = "https://example.org/"\n'
    [problem] = problems_of(write(tmp_path, text))
    assert problem.startswith("config.toml: at 'sources.News': a source name holds only a-z,")


def test_a_source_that_is_not_a_table(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path, 'sources = "all"\n' + SCHOOL)) == [
        "config.toml: at 'sources': expected a table of [sources.<name>] tables"
    ]
