"""Secrets by reference (environment, file, systemd credential), never in a message or a config."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config.settings import load
from sources.feed import FeedConfig
from tests.config.support import EMAIL, FIXTURES, SCHOOL, SECRET, problems_of, write


def test_secret_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    secret_file = tmp_path / "smtp-password"
    secret_file.write_text(SECRET)
    secret_file.chmod(0o644)
    text = SCHOOL + EMAIL + f'password_file = "{secret_file}"\n'
    [problem] = problems_of(write(tmp_path, text))
    assert problem.startswith("config.toml: at 'email.password_file': ")
    assert str(secret_file) in problem and "chmod 600" in problem
    assert SECRET not in problem

    secret_file.chmod(0o600)
    email = load(tmp_path / "config.toml").email
    assert email is not None
    password = email.password()
    assert password is not None and password.reveal() == SECRET


@pytest.mark.parametrize(
    ("mode", "what"),
    [(0o620, "writable"), (0o602, "writable"), (0o660, "readable and writable")],
    ids=["0620", "0602", "0660"],
)
def test_secret_file_writable_by_others_is_refused(tmp_path: Path, mode: int, what: str) -> None:
    secret_file = tmp_path / "smtp-password"
    secret_file.write_text(SECRET)
    secret_file.chmod(mode)
    text = SCHOOL + EMAIL + f'password_file = "{secret_file}"\n'
    [problem] = problems_of(write(tmp_path, text))
    assert problem == (
        f"config.toml: at 'email.password_file': secret file {secret_file} is {what} by group"
        f" or others (mode {mode:04o}); run: chmod 600 {secret_file}"
    )


def test_secret_environment_variable_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CONFIG_TEST_UNSET", raising=False)
    text = SCHOOL + EMAIL + 'password_env = "CONFIG_TEST_UNSET"\n'
    assert problems_of(write(tmp_path, text)) == [
        "config.toml: at 'email.password_env': environment variable CONFIG_TEST_UNSET is not set"
    ]


def test_systemd_credential(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "news-token").write_text(SECRET)
    (credentials / "news-token").chmod(0o400)
    text = (
        SCHOOL + '[sources.news]\ntype = "probe"\nurl = "https://example.org/"\n'
        'token_credential = "news-token"\n'
    )
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    [problem] = problems_of(write(tmp_path, text))
    assert problem.startswith("config.toml: at 'sources.news.token_credential': credential")
    assert "$CREDENTIALS_DIRECTORY" in problem

    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    token = load(tmp_path / "config.toml").sources["news"].secret("token")
    assert token is not None and token.reveal() == SECRET


def test_plain_secret_values_are_refused(tmp_path: Path) -> None:
    text = (
        SCHOOL + EMAIL + 'password = "x"\n'
        '[sources.news]\ntype = "probe"\nurl = "https://example.org/"\ntoken = "y"\n'
    )
    assert problems_of(write(tmp_path, text)) == [
        "config.toml: at 'email.password': a secret is never written in the config: use"
        " password_env (an environment variable), password_file (a file only its owner can read)"
        " or password_credential (systemd)",
        "config.toml: at 'sources.news.token': a secret is never written in the config: use"
        " token_env (an environment variable), token_file (a file only its owner can read)"
        " or token_credential (systemd)",
    ]


def test_only_one_password_reference(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONFIG_TEST_SMTP_PASSWORD", SECRET)
    secret_file = tmp_path / "password"
    secret_file.write_text(SECRET)
    secret_file.chmod(0o600)
    text = (
        SCHOOL
        + EMAIL
        + f'password_env = "CONFIG_TEST_SMTP_PASSWORD"\npassword_file = "{secret_file}"\n'
    )
    assert problems_of(write(tmp_path, text)) == [
        "config.toml: at 'email': give one of password_env, password_file, not several"
    ]
    no_username = (SCHOOL + EMAIL).replace('username = "monitor@example.org"\n', "")
    text = no_username + 'password_env = "CONFIG_TEST_SMTP_PASSWORD"\n'
    assert problems_of(write(tmp_path, text)) == [
        "config.toml: at 'email': a password needs a username"
    ]


def test_no_message_ever_holds_a_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # One secret resolved from the environment (so registered for log redaction) and one that
    # never is: the second shows messages leave values out, not that redaction caught them.
    unregistered = "Zp4-never-registered-9Qm"
    monkeypatch.setenv("CONFIG_TEST_SMTP_PASSWORD", SECRET)
    loose = tmp_path / "loose"
    loose.write_text(unregistered)
    loose.chmod(0o644)
    text = f"""
[school]
name = "Calcot Schools"
timezone = "{unregistered}"
[storage]
url = "postgresql+psycopg://monitor:{unregistered}@db/monitor"
[http]
contact = "{unregistered}"
timeout = "{SECRET}"
[email]
smtp_host = "smtp.example.org"
smtp_port = "{SECRET}"
security = "{unregistered}"
username = "monitor@example.org"
password_env = "CONFIG_TEST_SMTP_PASSWORD"
password = "{unregistered}"
api_key = "{SECRET}"
from = "{unregistered}"
to = ["{SECRET}"]
digest_schedule = "{unregistered} * * * *"
quiet_hours = "{unregistered}"
[sentiment.lexicon]
awful = "{unregistered}"
[sources.news]
type = "probe"
url = "https://{unregistered} example.org/"
pages = "{SECRET}"
token_file = "{loose}"
token = "{unregistered}"
[sources.other]
type = "{unregistered}"
"""
    problems = problems_of(write(tmp_path, text))
    assert len(problems) == 19
    for problem in problems:
        assert SECRET not in problem and unregistered not in problem, problem


def test_secrets_never_appear_in_a_loaded_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFIG_TEST_SMTP_PASSWORD", SECRET)
    config = load(FIXTURES / "full.toml")
    assert SECRET not in repr(config) and SECRET not in str(config)
    dumped = config.model_dump_json()
    assert SECRET not in dumped and "CONFIG_TEST_SMTP_PASSWORD" in dumped
    assert "https://news.example.org/feed.xml" in dumped  # each adapter's own keys are kept
    assert config.email is not None and str(config.email.password()) == "***"


def test_a_secret_declared_in_one_line_gets_its_three_keys_and_one_check() -> None:
    from sources.base import SourceConfig

    class Demo(SourceConfig, secrets={"api_key": "the demo key"}, required=("api_key",)):
        pass

    assert {"api_key_env", "api_key_file", "api_key_credential"} <= set(Demo.model_fields)
    assert Demo.model_fields["api_key_env"].description == (
        "Environment variable holding the demo key."
    )
    assert Demo.secret_names == ("api_key",) and Demo.required_secrets == ("api_key",)
    with pytest.raises(ValueError, match="give exactly one of api_key_env, api_key_file"):
        Demo.model_validate({"type": "demo"})


def test_a_relative_secret_file_is_read_beside_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "etc"
    (folder / "secrets").mkdir(parents=True)
    secret = folder / "secrets" / "feed-url"
    secret.write_text("https://alerts.example/feeds/123/456", encoding="utf-8")
    secret.chmod(0o600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # not where the config is
    table = '[sources.alerts]\ntype = "feed"\nurl_file = "secrets/feed-url"\n'
    config = load(write(folder, SCHOOL + table))
    source = config.sources["alerts"]
    assert isinstance(source, FeedConfig)
    url = source.secret("url")
    assert url is not None and url.reveal() == "https://alerts.example/feeds/123/456"
    # The reference keys are added by SourceConfig.__init_subclass__, so mypy cannot see them.
    assert source.model_dump()["url_file"] == str(secret)
