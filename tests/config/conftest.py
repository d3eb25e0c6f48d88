"""The `probe` source type, registered while each config test module runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import sources.base
from sources.base import register
from tests.config.support import ProbeConfig, fetch_probe


@pytest.fixture(autouse=True, scope="module")
def probe_adapter() -> Iterator[None]:
    """The `probe` source type, known only while this module's tests run."""
    register("probe", ProbeConfig)(fetch_probe)
    yield
    # Tests elsewhere list the installed types (docs, `monitor sources`); leave no stranger.
    sources.base.unregister("probe")
