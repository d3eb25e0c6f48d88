"""`monitor users` and `monitor web`: the commands around the page, on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from storage import users
from storage.database import Store
from tests.configs import write_config
from tests.mail.conftest import email_table


def config_file(tmp_path: Path, web: bool = True, email: bool = True) -> Path:
    extra = (email_table(2525) if email else "") + (
        '[web]\nbase_url = "https://monitor.calcot.example"\n' if web else ""
    )
    return write_config(
        tmp_path, storage_url=f"sqlite:///{tmp_path / 'monitor.db'}", sources={}, extra=extra
    )


def run(path: Path, *arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(path), *arguments])
    return result.exit_code, result.output


def test_users_add_list_change_and_remove(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    assert run(path, "users", "add", "Head@Calcot.example", "--name", "Mrs Head") == (
        0,
        "added head@calcot.example (slt)\n",
    )
    assert run(path, "users", "add", "head@calcot.example", "--role", "dsl") == (
        0,
        "updated head@calcot.example (dsl)\n",
    )
    code, output = run(path, "users", "list")
    assert code == 0 and "head@calcot.example\tMrs Head\tdsl\t" in output
    with Store.open(f"sqlite:///{tmp_path / 'monitor.db'}") as store:
        with store.transaction(read_only=True) as tx:
            [user] = users.list_users(tx)
    assert (user.email, user.name, str(user.role)) == ("head@calcot.example", "Mrs Head", "dsl")
    assert run(path, "users", "remove", "HEAD@calcot.example") == (
        0,
        "removed head@calcot.example; 0 sessions ended\n",
    )
    code, output = run(path, "users", "remove", "head@calcot.example")
    assert code == 2 and "no user 'head@calcot.example'" in output


def test_users_add_refuses_what_is_not_an_address_or_a_role(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    for bad in ("head", "Head <head@calcot.example>", "a@b@c", "x@y.example\nBcc: z@evil.example"):
        code, output = run(path, "users", "add", bad)
        assert code == 2, (bad, output)
    code, output = run(path, "users", "add", "head@calcot.example", "--role", "root")
    assert code == 2 and "root" in output


def test_web_needs_a_web_table_and_mail(tmp_path: Path) -> None:
    code, output = run(config_file(tmp_path, web=False), "web")
    assert code == 2 and "[web]" in output and "base_url" in output
    code, output = run(config_file(tmp_path, email=False), "web")
    assert code == 2 and "[email]" in output
