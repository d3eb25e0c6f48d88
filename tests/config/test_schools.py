"""A trust's schools, each source serving all unless it names some; one school is `school`."""

from __future__ import annotations

from pathlib import Path

from monitor.config.settings import load
from tests.config.support import EMAIL, SCHOOL, problems_of, write

TRUST = """
[schools.infants]
name = "Calcot Infant School"
aliases = ["Calcot Infants"]
staff = ["Mrs Hazel Example"]
to = ["head.infants@calcot.example"]
urgent_to = ["dsl.infants@calcot.example"]

[schools.juniors]
name = "Calcot Junior School"
timezone = "Europe/London"
"""


def test_a_trust_names_its_schools_and_each_source_serves_all_unless_it_says(
    tmp_path: Path,
) -> None:
    text = (
        TRUST
        + EMAIL
        + '[sources.all]\ntype = "probe"\nurl = "https://news.example.org/"\n'
        + '[sources.one]\ntype = "probe"\nurl = "https://news.example.org/"\n'
        + 'schools = ["juniors"]\n'
    )
    config = load(write(tmp_path, text))
    assert config.is_trust and list(config.school_tables) == ["infants", "juniors"]
    infants = config.school_tables["infants"]
    assert infants.names == ("Calcot Infant School", "Calcot Infants")
    assert infants.urgent_to == ("dsl.infants@calcot.example",)
    assert config.school_tables["juniors"].to == ()  # its news goes in the trust digest
    # The deployment as a whole, for what is not about one school.
    assert config.school.name == "Calcot Infant School and Calcot Junior School"
    all_schools, one = config.sources["all"], config.sources["one"]
    assert all_schools.school_ids == ("infants", "juniors")
    assert all_schools.aliases == ("Calcot Infant School", "Calcot Infants", "Calcot Junior School")
    assert one.school_ids == ("juniors",) and one.aliases == ("Calcot Junior School",)
    assert list(config.sources_of("infants")) == ["all"]


def test_a_single_school_is_the_school_with_id_school(tmp_path: Path) -> None:
    config = load(write(tmp_path, SCHOOL + '[sources.a]\ntype = "probe"\nurl = "https://x.org/"\n'))
    assert not config.is_trust and list(config.school_tables) == ["school"]
    assert config.sources["a"].school_ids == ("school",)


def test_school_and_schools_at_once_is_a_problem_naming_both(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path, SCHOOL + TRUST)) == [
        "config.toml: give either [school] (one school) or [schools.<id>] tables (a trust),"
        " not both"
    ]


def test_a_source_naming_an_unknown_school_and_school_keys_are_checked(tmp_path: Path) -> None:
    text = (
        TRUST
        + '[schools."Bad Id"]\nname = "X"\n'
        + '[sources.a]\ntype = "probe"\nurl = "https://x.org/"\nschools = ["seniors"]\n'
        + '[sources.b]\ntype = "probe"\nurl = "https://x.org/"\nschools = []\n'
    )
    problems = problems_of(write(tmp_path, text))
    assert problems == [
        "config.toml: at 'schools': 'Bad Id': a school id holds only a-z, 0-9, _ and - (not first)",
        "config.toml: at 'sources.a': schools: no school 'seniors'; configured: infants,"
        " juniors, Bad Id",
        "config.toml: at 'sources.b': schools: name at least one school, or leave the key out",
    ]
    # `to` and `urgent_to` belong to a trust's schools: a single [school] mails [email]'s.
    assert problems_of(write(tmp_path, SCHOOL + 'to = ["a@b.org"]\n')) == [
        "config.toml: at 'school.to': unknown key"
    ]
