"""[web]: defaults, a secure base URL, problems naming the key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config.settings import load
from tests.config.support import SCHOOL, problems_of, write


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
