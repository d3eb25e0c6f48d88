"""The mumsnet source's config: problems refused, polite defaults."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sources.mumsnet import MumsnetConfig
from tests.sources.mumsnet.support import SITE


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"threads": ["https://www.mumsnet.com/search?query=calcot"]}, "not a Mumsnet thread"),
        ({"topics": ["Primary Education!"]}, "not a topic slug"),
        ({}, "give at least one of threads, topics or discovery_feeds"),
        ({"topics": ["_chat"], "max_pages_per_poll": 0}, "greater than or equal to 1"),
    ],
)
def test_config_problems_are_refused(keys: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MumsnetConfig.model_validate({"type": "mumsnet", **keys})


def test_defaults_are_polite() -> None:
    config = MumsnetConfig.model_validate({"type": "mumsnet", "topics": ["primary_education"]})
    assert config.base_url == SITE and config.request_delay == timedelta(seconds=10)
    assert (config.follow_days, config.pages_per_topic, config.max_pages_per_poll) == (30, 1, 20)
