"""[sources.*]: known types, names, tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config.files import ConfigError
from monitor.config.settings import load_core
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


def test_the_core_config_knows_the_sources_by_name_without_their_adapters(tmp_path: Path) -> None:
    """load_core skips each source's own settings (and secrets), not the rest of the file."""
    broken = (
        SCHOOL
        + '[sources.news]\ntype = "probe"\nurl = "not a url"\ntoken_env = "NOT_SET_ANYWHERE"\n'
        + '[sources.later]\ntype = "not-installed-yet"\n'
    )
    path = write(tmp_path, broken)
    core = load_core(path)
    assert core.source_names == ("news", "later") and not hasattr(core, "sources")
    assert [problem.split(":")[1].strip() for problem in problems_of(path)] == [
        "at 'sources.news.url'",
        "at 'sources.news.token_env'",
        "at 'sources.later.type'",
    ]


def test_the_core_config_still_checks_source_names_and_every_other_section(
    tmp_path: Path,
) -> None:
    text = '[school]\nname = ""\n[sources.News]\ntype = "probe"\n[sources]\ny = "a string"\n'
    with pytest.raises(ConfigError) as raised:
        load_core(write(tmp_path, text))
    assert [problem.split(": ")[1] for problem in raised.value.problems] == [
        "at 'school.name'",
        "at 'sources.News'",
        "at 'sources.y'",
    ]
