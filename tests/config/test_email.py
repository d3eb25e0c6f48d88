"""[email]: defaults that follow the security setting; no plain-text password to another machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config.settings import load
from tests.config.support import EMAIL, SCHOOL, SECRET, problems_of, write


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
