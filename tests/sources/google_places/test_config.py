"""The google_places config: problems named by their keys."""

from __future__ import annotations

import pytest

from sources.google_places import GooglePlacesConfig
from tests.loopback import LoopbackServer
from tests.sources.google_places.support import keys


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"api_key_env": None}, "give exactly one of api_key_env"),
        ({"retain_text_days": 90}, "less than or equal to 30"),
        ({"place_id": "places/../x"}, "give the place id alone"),
    ],
)
def test_config_problems(server: LoopbackServer, given: dict[str, object], expected: str) -> None:
    chosen = {key: value for key, value in keys(server, **given).items() if value is not None}
    with pytest.raises(ValueError, match=expected):
        GooglePlacesConfig.model_validate(chosen)
