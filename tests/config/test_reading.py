"""A config validated once is remembered for the commands that only read (monitor.config.reading).

The remembered facts must be exactly what validation gives, must be used only for the very bytes
validated by the very code, and must never be needed: a damaged or unwritable cache validates.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pydantic.version
import pytest

import monitor.config
import monitor.model
from monitor.config.files import ConfigError
from monitor.config.reading import (
    ReadingConfig,
    cache_file,
    code_digest,
    load_reading,
    reading_of,
    validating_code,
)
from monitor.config.settings import load_core
from tests.config.support import SCHOOL, write

TRUST = """
[schools.infant]
name = "Calcot Infant School"
timezone = "Europe/Dublin"
[schools.junior]
name = "Calcot Junior School"
[storage]
url = "sqlite:///data/monitor.db"
[sources.news]
type = "probe"
url = "not checked by a reading command"
[sources.talk]
type = "probe"
"""


@pytest.fixture(autouse=True)
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own cache folder."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


def remembered(path: Path) -> dict[str, object]:
    """The record kept for the config at `path`."""
    file = cache_file(path.absolute())
    assert file is not None
    record: dict[str, object] = json.loads(file.read_text(encoding="utf-8"))
    return record


def test_the_facts_are_validations_and_are_kept_for_this_user_only(tmp_path: Path) -> None:
    path = write(tmp_path, TRUST)
    reading = load_reading(path)
    assert reading == reading_of(load_core(path))
    assert reading == ReadingConfig(
        path=path,
        storage_url=f"sqlite:///{tmp_path / 'data' / 'monitor.db'}",
        school_ids=("infant", "junior"),
        timezone="Europe/Dublin",
        source_names=("news", "talk"),
    )
    file = cache_file(path)
    assert file is not None and file.is_file()
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    assert set(remembered(path)) == {"key", "reading"}


def test_the_same_bytes_are_read_back_from_the_cache(tmp_path: Path) -> None:
    """A second read takes the cache's word: a fact changed there (by hand) is what it returns."""
    path = write(tmp_path, SCHOOL)
    assert load_reading(path).timezone == "Europe/London"
    file = cache_file(path)
    assert file is not None
    file.write_text(file.read_text().replace("Europe/London", "Asia/Tokyo"))
    assert load_reading(path).timezone == "Asia/Tokyo"


def test_an_edited_config_is_validated_again(tmp_path: Path) -> None:
    path = write(tmp_path, SCHOOL)
    load_reading(path)
    write(tmp_path, SCHOOL + 'timezone = "Europe/Paris"\n')
    assert load_reading(path).timezone == "Europe/Paris"
    write(tmp_path, SCHOOL + 'timezone = "Mars/Olympus"\n')
    with pytest.raises(ConfigError) as refused:
        load_reading(path)
    assert refused.value.problems == [
        "config.toml: at 'school.timezone': unknown time zone:"
        ' expected a name such as "Europe/London"'
    ]
    write(tmp_path, SCHOOL)  # back to the remembered bytes: remembered again, valid
    assert load_reading(path).timezone == "Europe/London"


def test_the_same_bytes_elsewhere_are_another_config(tmp_path: Path) -> None:
    """A relative SQLite path means the config file's folder: a copy is validated for its own."""
    text = SCHOOL + '[storage]\nurl = "sqlite:///monitor.db"\n'
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    assert load_reading(write(first, text)).storage_url == f"sqlite:///{first / 'monitor.db'}"
    assert load_reading(write(second, text)).storage_url == f"sqlite:///{second / 'monitor.db'}"


@pytest.mark.parametrize(
    "damage", ["not json", '{"key": 1}', '["a list"]', "school ids a string", "no such zone"]
)
def test_a_damaged_cache_file_is_validated_past_and_replaced(tmp_path: Path, damage: str) -> None:
    path = write(tmp_path, SCHOOL)
    expected = load_reading(path)
    record = remembered(path)
    if damage == "school ids a string":  # the right key, a fact of the wrong type
        facts = record["reading"]
        assert isinstance(facts, dict)
        damage = json.dumps({**record, "reading": {**facts, "school_ids": "school"}})
    if damage == "no such zone":
        facts = record["reading"]
        assert isinstance(facts, dict)
        damage = json.dumps({**record, "reading": {**facts, "timezone": "Mars/Olympus"}})
    file = cache_file(path)
    assert file is not None
    file.write_text(damage)
    assert load_reading(path) == expected
    assert remembered(path) == record


def test_without_a_cache_folder_every_read_validates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache folder that cannot be made (here a file is in its way) is no error."""
    (tmp_path / "in-the-way").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "in-the-way"))
    path = write(tmp_path, SCHOOL)
    assert load_reading(path) == reading_of(load_core(path))
    write(tmp_path, SCHOOL + "aliases = [1]\n")
    with pytest.raises(ConfigError):
        load_reading(path)
    assert sorted(item.name for item in tmp_path.iterdir()) == ["config.toml", "in-the-way"]


def test_the_code_digest_covers_the_code_that_validates() -> None:
    """A new version of any module of monitor.config, of monitor.model's enums or of pydantic
    misses every cache."""
    package = Path(monitor.config.__file__).parent
    expected = {
        *package.glob("*.py"),
        Path(monitor.model.__file__),
        Path(pydantic.version.__file__),
    }
    assert set(validating_code()) == expected
    assert len(code_digest()) == 64
