"""The feed config: exactly one of url and url_env; a secret URL named by its host only."""

from __future__ import annotations

from pathlib import Path

import pytest

from sources.errors import SourceUnavailableError
from tests.loopback import LoopbackServer
from tests.sources.feed.support import feed_config, run_fetch


def test_secret_feed_url_is_named_by_host_only(
    served: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret_path = "/down?alert=17849810695950872924-SECRET"
    monkeypatch.setenv("TEST_ALERT_URL", served.url + secret_path)
    config = feed_config(url_env="TEST_ALERT_URL")
    with pytest.raises(SourceUnavailableError) as caught:
        run_fetch(config)
    message = str(caught.value)
    assert message.startswith("127.0.0.1")
    assert "SECRET" not in message and "/down" not in message
    assert "SECRET" not in repr(config) and "SECRET" not in config.model_dump_json()


def test_feed_config_needs_exactly_one_url() -> None:
    with pytest.raises(ValueError, match="exactly one of url"):
        feed_config()
    with pytest.raises(ValueError, match="exactly one of url"):
        feed_config(url="https://a.example/feed", url_env="HOME")
