"""Each config problem reported with its key path, several at once, values as TOML wrote them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sources.base import adapters
from tests.config.support import EMAIL, FIXTURES, SCHOOL, problems_of, write


def test_missing_required_keys(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path, "[storage]\nretention_days = 30\n")) == [
        "config.toml: at 'school': required"
    ]
    text = SCHOOL + '[email]\nfrom = "monitor@calcot.example"\n'
    assert problems_of(write(tmp_path, text)) == [
        "config.toml: at 'email.smtp_host': required",
        "config.toml: at 'email.to': required",
    ]


def test_wrong_types(tmp_path: Path) -> None:
    text = (
        '[school]\nname = "Calcot Schools"\naliases = "Calcot"\n'
        '[storage]\nretention_days = "a year"\n'
        '[http]\ntimeout = "0s"\nmax_body = "lots"\n'
        '[alerts]\nnegative_threshold = "low"\nabusive_words = [1]\n'
    )
    assert problems_of(write(tmp_path, text)) == [
        "config.toml: at 'school.aliases': expected a list",
        "config.toml: at 'storage.retention_days': expected a whole number",
        "config.toml: at 'http.timeout': must be more than 0s",
        'config.toml: at \'http.max_body\': expected a size such as "10MiB", "512KiB" or a number'
        " of bytes",
        "config.toml: at 'alerts.negative_threshold': expected a number",
        "config.toml: at 'alerts.abusive_words[0]': expected a string",
    ]


def test_unknown_keys(tmp_path: Path) -> None:
    text = (
        'colour = "blue"\n' + SCHOOL + "mascot = 1\n"
        '[sources.news]\ntype = "probe"\nurl = "https://example.org/"\ncolour = "red"\n'
    )
    assert problems_of(write(tmp_path, text)) == [
        "config.toml: at 'school.mascot': unknown key",
        "config.toml: at 'colour': unknown key",
        "config.toml: at 'sources.news.colour': unknown key",
    ]


def test_toml_syntax_error_is_one_problem_with_its_place() -> None:
    assert problems_of(FIXTURES / "syntax-error.toml") == [
        "syntax-error.toml: line 5, column 28: illegal character '\\n'"
    ]


def test_missing_file_is_one_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    assert problems_of(missing) == [f"{missing}: no such file"]


def test_several_problems_are_reported_together() -> None:
    assert problems_of(FIXTURES / "many-problems.toml") == [
        "many-problems.toml: at 'school.timezone': unknown time zone: expected a name such as"
        ' "Europe/London"',
        "many-problems.toml: at 'email.smtp_port': expected a whole number",
        "many-problems.toml: at 'email.to[1]': expected an email address, e.g."
        ' "monitor@example.org" or "Name <...>"',
        "many-problems.toml: at 'sentiment.lexicon.\"requires improvement\"': expected a number",
        "many-problems.toml: at 'sources.news.url': invalid URL",
        "many-problems.toml: at 'sources.other.type': unknown source type; known types: "
        + ", ".join(adapters()),
        "many-problems.toml: at 'sources.third.type': required: which adapter reads this source;"
        " known types: " + ", ".join(adapters()),
    ]


def test_value_checks(tmp_path: Path) -> None:
    text = (
        SCHOOL.replace('"Calcot Schools"', '"  "')
        + '[storage]\nurl = "mysql://monitor@db/monitor"\nretention_days = 0\n'
        + '[http]\ncontact = "the office"\n'
        + EMAIL.replace("monitor@calcot.example>", "monitor@calcot.example>, b@c.example").replace(
            '["slt@calcot.example"]', "[]"
        )
        + 'security = "tls"\nsmtp_port = 70000\nquiet_hours = "21:00-25:00"\n'
        + 'digest_schedule = "30 7 * *"\n'
        + "[alerts]\nnegative_threshold = -2\n"
        + '[sentiment.lexicon]\n"" = 1\nawful = -9\n'
    )
    assert problems_of(write(tmp_path, text)) == [
        "config.toml: at 'school.name': must not be empty",
        "config.toml: at 'storage.url': expected sqlite:///FILE or"
        " postgresql+psycopg://USER@HOST/DATABASE",
        "config.toml: at 'storage.retention_days': must be at least 1",
        "config.toml: at 'http.contact': expected an email address or an http(s) URL to reach the"
        " operator",
        "config.toml: at 'email.smtp_port': must be at most 65535",
        "config.toml: at 'email.security': expected one of 'starttls', 'ssl' or 'none'",
        "config.toml: at 'email.from': expected an email address, e.g. \"monitor@example.org\" or"
        ' "Name <...>"',
        "config.toml: at 'email.to': needs at least 1 item(s)",
        "config.toml: at 'email.digest_schedule': expected 5 cron fields: minute hour day-of-month"
        " month day-of-week",
        'config.toml: at \'email.quiet_hours\': expected "HH:MM-HH:MM", e.g. "21:00-07:00"',
        "config.toml: at 'alerts.negative_threshold': must be at least -1.0",
        "config.toml: at 'sentiment.lexicon.\"\"': must not be empty",
        "config.toml: at 'sentiment.lexicon.awful': must be at least -4.0",
    ]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ('match_aliases = "yes"', "at 'sources.news.match_aliases': expected true or false"),
        ("match_aliases = 1", "at 'sources.news.match_aliases': expected true or false"),
        ('enabled = "true"', "at 'sources.news.enabled': expected true or false"),
        ("interval = -5", "at 'sources.news.interval': must be more than 0s"),
        ('interval = "0s"', "at 'sources.news.interval': must be more than 0s"),
        ('timeout = "0s"', "at 'sources.news.timeout': must be more than 0s"),
    ],
)
def test_booleans_and_durations_are_what_toml_wrote(
    tmp_path: Path, keys: str, message: str
) -> None:
    table = f'[sources.news]\ntype = "feed"\nurl = "https://a.example/f"\n{keys}\n'
    assert problems_of(write(tmp_path, SCHOOL + table)) == [f"config.toml: {message}"]


def test_numbers_are_not_read_from_text(tmp_path: Path) -> None:
    text = SCHOOL + '[storage]\nretention_days = "30"\n[alerts]\nnegative_threshold = true\n'
    assert problems_of(write(tmp_path, text)) == [
        "config.toml: at 'storage.retention_days': expected a whole number",
        "config.toml: at 'alerts.negative_threshold': expected a number",
    ]
