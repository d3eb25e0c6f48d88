"""The facebook_page config: bad values refused by key, the defaults."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from sources.facebook_page import FacebookPageConfig
from tests.loopback import LoopbackServer
from tests.sources.facebook_page.support import TOKEN, config_for


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"page_id": "CalcotSchools"}, "numeric id"),
        ({"api_version": "24"}, "Graph API version"),
        ({"access_token_env": None}, "exactly one of access_token_env"),
        ({"comment_lookback_days": -1}, "greater than or equal"),
        ({"api_url": "ftp://graph.example"}, r"http\(s\) URL"),
    ],
)
def test_config_refuses_bad_values(
    server: LoopbackServer, token_env: None, keys: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        config_for(server, **keys)


def test_config_defaults(server: LoopbackServer, token_env: None) -> None:
    config = config_for(server)
    assert config.comment_lookback_days == 14 and config.page_size == 100
    assert config.token().reveal() == TOKEN
    assert FacebookPageConfig.model_fields["api_url"].default == "https://graph.facebook.com"
