"""Loading config.toml: every section, the defaults, the shipped config, where the file is found."""

from __future__ import annotations

import os
from datetime import time, timedelta
from pathlib import Path

import pydantic
import pytest

from monitor.config.files import SYSTEM_CONFIG, ConfigError, find_config
from monitor.config.settings import Config, load
from monitor.model import Tone
from sources.base import adapters
from tests.config.support import (
    EMAIL,
    FIXTURES,
    SCHOOL,
    SECRET,
    SHIPPED,
    ProbeConfig,
    problems_of,
    write,
)


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


def test_explicit_http_contact_wins(tmp_path: Path) -> None:
    text = SCHOOL + '[http]\ncontact = "https://calcot.example/contact"\n' + EMAIL
    assert load(write(tmp_path, text)).http.contact == "https://calcot.example/contact"


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
