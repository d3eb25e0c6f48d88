"""The google_business config: problems named by their keys."""

from __future__ import annotations

import pytest

from sources.google_business import GoogleBusinessConfig
from tests.loopback import LoopbackServer
from tests.sources.google_business.support import keys


@pytest.mark.parametrize(
    ("keys_given", "expected"),
    [
        ({"client_secret_env": None}, "give exactly one of client_secret_env"),
        ({"client_id": None}, "give exactly one of client_id, client_id_env"),
        ({"location_id": "locations/"}, "give the id's digits"),
    ],
)
def test_config_problems_name_the_keys(
    server: LoopbackServer, keys_given: dict[str, object], expected: str
) -> None:
    given = {key: value for key, value in keys(server, **keys_given).items() if value is not None}
    with pytest.raises(ValueError, match=expected):
        GoogleBusinessConfig.model_validate(given)
