"""The Mumsnet site on loopback: robots.txt, a topic listing, threads and a Google Alert."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.loopback import LoopbackServer
from tests.sources.mumsnet.support import route_site


@pytest.fixture
def site(server: LoopbackServer) -> Iterator[LoopbackServer]:
    route_site(server)
    yield server
