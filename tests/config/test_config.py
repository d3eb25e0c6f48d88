"""config.toml: loading, defaults, each problem reported with its key path, secrets by reference."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path

import pydantic
import pytest
from pydantic import HttpUrl

import sources.base
from monitor.config.secrets import CredentialRef, EnvRef, FileRef
from monitor.config.settings import SYSTEM_CONFIG, Config, ConfigError, find_config, load
from monitor.model import FetchResult, SourceState, Tone
from sources.base import SourceConfig, adapters, register
from sources.http import PoliteClient

FIXTURES = Path(__file__).parents[1] / "fixtures" / "config"
SHIPPED = Path(__file__).parents[2] / "config.toml"
SCHOOL = '[school]\nname = "Calcot Schools"\n'
EMAIL = """
[email]
smtp_host = "smtp.example.org"
username = "monitor@example.org"
from = "Reputation monitor <monitor@calcot.example>"
to = ["slt@calcot.example"]
"""
# Looks like nothing else in a config, so a leak is unmistakable.
SECRET = "hunter2-Kq7vXw9-secret"


class ProbeConfig(SourceConfig):
    """A source type for these tests: a URL, a list, and a secret by reference."""

    url: HttpUrl
    pages: tuple[str, ...] = ()
    token_env: EnvRef | None = None
    token_file: FileRef | None = None
    token_credential: CredentialRef | None = None

    secret_names = ("token",)


async def fetch_probe(http: PoliteClient, config: ProbeConfig, state: SourceState) -> FetchResult:
    """Finds nothing: config tests never poll."""
    return FetchResult(items=[])


@pytest.fixture(autouse=True, scope="module")
def probe_adapter() -> Iterator[None]:
    """The `probe` source type, known only while this module's tests run."""
    register("probe", ProbeConfig)(fetch_probe)
    yield
    # Tests elsewhere list the installed types (docs, `monitor sources`); leave no stranger.
    sources.base.unregister("probe")


def write(directory: Path, text: str) -> Path:
    """A config.toml holding `text` in `directory`."""
    path = directory / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    """The problems load() reports for `path` (failing the test if it loads)."""
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


# ---- a good config ----------------------------------------------------------------------------


def test_full_config_loads_every_section(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFIG_TEST_SMTP_PASSWORD", SECRET)
    config = load(FIXTURES / "full.toml")

    assert config.path == FIXTURES / "full.toml"
    assert config.school.name == "Calcot Schools"
    assert config.school.names == ("Calcot Schools", "Calcot Infant School", "Calcot Junior School")
    assert config.school.staff == ("Mrs Example", "Mr Sample")
    assert config.school.zone.key == "Europe/London"
    # A relative SQLite path lives beside the config file, wherever the command runs from.
    assert config.storage.url == f"sqlite:///{FIXTURES / 'data' / 'monitor.db'}"
    assert config.storage.retention_days == 90
    assert config.http.contact == "monitor@calcot.example"  # taken from [email] from
    assert config.http.timeout == timedelta(seconds=10)
    assert config.http.max_body == 2 * 1024 * 1024

    email = config.email
    assert email is not None
    assert (email.smtp_host, email.smtp_port, email.security) == (
        "smtp.example.org",
        587,
        "starttls",
    )
    assert email.sender == "Reputation monitor <monitor@calcot.example>"
    assert email.sender_address == "monitor@calcot.example"
    assert email.to == ("slt@calcot.example",)
    assert email.urgent_to == ("head@calcot.example", "Designated Lead <dsl@calcot.example>")
    assert email.urgent_recipients == email.urgent_to
    password = email.password()
    assert password is not None and password.reveal() == SECRET
    assert SECRET not in repr(config)
    assert email.digest_schedule.trigger_fields() == {
        "minute": "30", "hour": "7", "day": "*", "month": "*",
        "day_of_week": "mon,tue,wed,thu,fri",
    }  # fmt: skip
    assert email.quiet_hours is not None
    assert email.quiet_hours.contains(time(23, 30)) and email.quiet_hours.contains(time(6, 59))
    assert not email.quiet_hours.contains(time(7, 0)) and not email.quiet_hours.contains(time(12))

    assert config.alerts.negative_threshold == -0.4
    assert config.alerts.safeguarding_words == ("groomed",)
    assert config.alerts.abusive_words == ("useless",)
    assert config.sentiment.lexicon == {"requires improvement": -2.0, "ofsted": 0.0}

    assert list(config.sources) == ["zeta", "alpha"]  # file order, not sorted
    zeta, alpha = config.sources["zeta"], config.sources["alpha"]
    assert isinstance(zeta, ProbeConfig) and isinstance(alpha, ProbeConfig)
    assert str(zeta.url) == "https://news.example.org/feed.xml"
    assert zeta.pages == ("Calcot",)
    assert zeta.interval == timedelta(hours=2) and zeta.enabled
    assert alpha.interval == timedelta(minutes=30) and not alpha.enabled
    assert zeta.aliases == config.school.names  # bound for adapters that match the school's names


def test_config_is_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFIG_TEST_SMTP_PASSWORD", SECRET)
    config = load(FIXTURES / "full.toml")
    with pytest.raises(pydantic.ValidationError):
        config.school = config.school  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        config.sources["zeta"].enabled = False  # type: ignore[misc]


def test_minimal_config_takes_the_defaults(tmp_path: Path) -> None:
    config = load(write(tmp_path, (FIXTURES / "minimal.toml").read_text()))

    assert config.school.aliases == () and config.school.timezone == "Europe/London"
    assert config.storage.url == f"sqlite:///{tmp_path / 'monitor.db'}"
    assert config.storage.retention_days == 365
    assert config.http.contact is None
    assert config.http.timeout == timedelta(seconds=30)
    assert config.http.max_body == 10 * 1024 * 1024
    assert config.email is None
    assert config.alerts.negative_threshold == -0.3
    assert config.sentiment.tone == Tone(negative=-0.3, positive=0.5, sentence=-0.4)
    assert config.alerts.safeguarding_words == ()
    assert config.sentiment.lexicon == {}
    assert config.sources == {}
    assert isinstance(config, Config)


def test_email_defaults_follow_security(tmp_path: Path) -> None:
    text = SCHOOL + EMAIL + 'security = "ssl"\n'
    email = load(write(tmp_path, text)).email
    assert email is not None
    assert email.smtp_port == 465
    assert email.urgent_to == ()
    assert email.urgent_recipients == email.to == ("slt@calcot.example",)
    assert email.digest_schedule.expression == "30 7 * * 1-5"
    assert email.quiet_hours is None
    assert email.password() is None


def test_explicit_http_contact_wins(tmp_path: Path) -> None:
    text = SCHOOL + '[http]\ncontact = "https://calcot.example/contact"\n' + EMAIL
    assert load(write(tmp_path, text)).http.contact == "https://calcot.example/contact"


def test_database_urls(tmp_path: Path) -> None:
    def url(value: str) -> str:
        return load(write(tmp_path, SCHOOL + f'[storage]\nurl = "{value}"\n')).storage.url

    assert url("sqlite:////var/lib/monitor/monitor.db") == "sqlite:////var/lib/monitor/monitor.db"
    assert (
        url("sqlite+pysqlite:///m.db?timeout=5") == f"sqlite+pysqlite:///{tmp_path}/m.db?timeout=5"
    )
    assert url("sqlite:///:memory:") == "sqlite:///:memory:"
    assert (
        url("postgresql+psycopg://monitor@db/monitor") == "postgresql+psycopg://monitor@db/monitor"
    )


# ---- problems, each with its key path ---------------------------------------------------------


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


def test_a_password_in_the_database_url_is_refused(tmp_path: Path) -> None:
    text = SCHOOL + f'[storage]\nurl = "postgresql+psycopg://monitor:{SECRET}@db/monitor"\n'
    [problem] = problems_of(write(tmp_path, text))
    assert problem.startswith("config.toml: at 'storage.url': a password in the database URL")
    assert "~/.pgpass" in problem and SECRET not in problem


# ---- secrets ----------------------------------------------------------------------------------


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


def test_no_encryption_with_a_password_is_refused_unless_the_server_is_this_machine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CONFIG_TEST_SMTP_PASSWORD", SECRET)
    clear = SCHOOL + EMAIL + 'security = "none"\npassword_env = "CONFIG_TEST_SMTP_PASSWORD"\n'
    [problem] = problems_of(write(tmp_path, clear))
    assert problem.startswith("config.toml: at 'email.security': \"none\" would send the SMTP")
    assert "smtp.example.org" not in problem and SECRET not in problem

    for host in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST."):
        local = clear.replace('"smtp.example.org"', f'"{host}"')
        email = load(write(tmp_path, local)).email
        assert email is not None and email.security == "none", host
    for host in ("10.0.0.25", "localhost.example.org", "128.0.0.1", "::2"):
        remote = clear.replace('"smtp.example.org"', f'"{host}"')
        assert len(problems_of(write(tmp_path, remote))) == 1, host
    # Without a password there is nothing to give away.
    no_password = load(write(tmp_path, SCHOOL + EMAIL + 'security = "none"\n')).email
    assert no_password is not None and no_password.security == "none"
    starttls = clear.replace('security = "none"', 'security = "starttls"')
    assert load(write(tmp_path, starttls)).email is not None


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


# ---- finding the file -------------------------------------------------------------------------


def test_find_config_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    explicit = tmp_path / "explicit.toml"
    from_environment = tmp_path / "environment.toml"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MONITOR_CONFIG", str(from_environment))
    (tmp_path / "config.toml").write_text(SCHOOL)

    assert find_config(explicit) == explicit
    assert find_config(None) == from_environment
    monkeypatch.setenv("MONITOR_CONFIG", "")
    assert find_config(None) == tmp_path / "config.toml"
    monkeypatch.delenv("MONITOR_CONFIG")
    assert find_config(None) == tmp_path / "config.toml"

    (tmp_path / "config.toml").unlink()
    if SYSTEM_CONFIG.is_file():
        assert find_config(None) == SYSTEM_CONFIG
        return
    with pytest.raises(ConfigError) as caught:
        find_config(None)
    [problem] = caught.value.problems
    assert "$MONITOR_CONFIG" in problem
    assert str(tmp_path / "config.toml") in problem and str(SYSTEM_CONFIG) in problem


# ---- the shipped config -----------------------------------------------------------------------


def test_the_shipped_config_loads_without_any_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in list(os.environ):
        if variable.startswith("MONITOR_") or variable == "CREDENTIALS_DIRECTORY":
            monkeypatch.delenv(variable)
    missing = {"feed", "wikipedia"} - set(adapters())
    if missing:
        # Until both adapters are installed, the only problems may be their unknown types.
        problems = problems_of(SHIPPED)
        assert problems and all("unknown source type" in problem for problem in problems)
        return
    config = load(SHIPPED)
    assert config.school.name == "Calcot Schools"
    assert "Calcot Infant School" in config.school.names
    assert "Calcot Junior School" in config.school.names
    assert config.storage.url == f"sqlite:///{SHIPPED.parent / 'monitor.db'}"
    assert config.email is not None and config.email.password() is None
    assert config.sentiment.lexicon["requires improvement"] < 0
    assert {name: source.type for name, source in config.sources.items()} == {
        "wiki": "wikipedia",
        "news": "feed",
    }


# ---- strict values, one-line secrets, relative secret files ------------------------------------


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
    assert source.secret("url") is not None
    assert source.url_file == str(secret)


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


# ---- [web] ------------------------------------------------------------------------------------


def test_web_section_defaults_and_secure_base_url(tmp_path: Path) -> None:
    config = load(write(tmp_path, SCHOOL + '[web]\nbase_url = "https://monitor.calcot.example/"\n'))
    assert config.web is not None
    assert config.web.base_url == "https://monitor.calcot.example"
    assert config.web.auth == "email"
    assert config.web.secure
    assert (config.web.session_idle, config.web.session_max) == (
        timedelta(hours=2),
        timedelta(hours=12),
    )
    local = load(write(tmp_path, SCHOOL + '[web]\nbase_url = "http://127.0.0.1:8080"\n'))
    assert local.web is not None and not local.web.secure


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("", "at 'web.base_url': required"),
        (
            'base_url = "http://monitor.calcot.example"',
            "at 'web.base_url': sign-in links and session cookies need https",
        ),
        ('base_url = "javascript:alert(1)"', "at 'web.base_url': expected the page's public"),
        (
            'base_url = "https://a@monitor.calcot.example"',
            "at 'web.base_url': expected a plain https address",
        ),
        (
            'base_url = "https://monitor.calcot.example"\nauth = "oidc"',
            "at 'web.auth': expected one of 'email'",
        ),
        (
            'base_url = "https://m.example"\nsession_idle = "3h"\nsession_max = "1h"',
            "at 'web': session_max must be at least session_idle",
        ),
        ('base_url = "https://m.example"\nport = 80', "at 'web.port': unknown key"),
    ],
)
def test_web_problems_name_the_key(tmp_path: Path, keys: str, message: str) -> None:
    problems = problems_of(write(tmp_path, SCHOOL + "[web]\n" + keys + "\n"))
    assert len(problems) == 1 and problems[0].startswith("config.toml: " + message), problems


# ---- a trust: several schools ------------------------------------------------------------------

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
