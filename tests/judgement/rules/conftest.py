"""The rules of a config with one extra word per list and Mrs Rose on the staff."""

from __future__ import annotations

import pytest

from monitor.config.settings import load
from monitor.judgement.rules import Rules
from tests.configs import write_config


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Rules:
    """The rules of a config with one extra word per list and Mrs Rose on the staff."""
    directory = tmp_path_factory.mktemp("rules")
    path = write_config(
        directory,
        storage_url=f"sqlite:///{directory / 'monitor.db'}",
        sources={},
        staff=("Mrs Hazel Example", "Mrs Rose"),
        extra=(
            '[alerts]\nsafeguarding_words = ["hidden camera"]\n'
            'abusive_words = ["numpty", "ass", "cock"]\n'  # "ass" and "cock" for the traps
        ),
    )
    return Rules.from_config(load(path))
