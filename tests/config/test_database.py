"""[storage]: database URLs, and no password written into one."""

from __future__ import annotations

from pathlib import Path

from monitor.config.settings import load
from tests.config.support import SCHOOL, SECRET, problems_of, write


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


def test_a_password_in_the_database_url_is_refused(tmp_path: Path) -> None:
    text = SCHOOL + f'[storage]\nurl = "postgresql+psycopg://monitor:{SECRET}@db/monitor"\n'
    [problem] = problems_of(write(tmp_path, text))
    assert problem.startswith("config.toml: at 'storage.url': a password in the database URL")
    assert "~/.pgpass" in problem and SECRET not in problem
