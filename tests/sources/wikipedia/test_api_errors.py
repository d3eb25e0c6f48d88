"""The MediaWiki API's errors: one readable line, maxlag waited out, ratelimited, missing pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sources.errors import SourceFormatError, SourceRateLimitedError
from sources.wikipedia.api import WikipediaApiError
from sources.wikipedia.parse import PageNotFoundError, api_problem
from tests.loopback import LoopbackServer
from tests.sources.wikipedia.support import API, TITLE, config_for, load, poll, reply, route_page


def test_an_api_error_object_becomes_one_readable_line() -> None:
    problem = api_problem(load("error_badvalue.json"))
    assert problem is not None
    assert problem.code == "badvalue"
    assert problem.describe() == (
        'Wikipedia API error badvalue: Unrecognized value for parameter "prop": revisionz.'
        " See the help."
    )
    assert api_problem(load("revisions_baseline.json")) is None
    with pytest.raises(SourceFormatError):
        api_problem(["not", "an", "object"])


def test_a_missing_page_is_a_clear_source_error(server: LoopbackServer) -> None:
    server.route(API, reply("revisions_missing.json"))
    config = config_for(server, pages=["St Nowhere Primary School"])
    with pytest.raises(PageNotFoundError, match='"St Nowhere Primary School" does not exist'):
        poll(config)


def test_maxlag_is_waited_out_then_the_poll_succeeds(server: LoopbackServer) -> None:
    lagged = reply("error_maxlag.json", headers={"Retry-After": "0", "X-Database-Lag": "7"})
    route_page(server, lagged, reply("revisions_baseline.json"))
    result = poll(config_for(server))
    assert len(result.items) == 3
    assert len(server.requests) == 2
    assert result.requests == 2


def test_lasting_maxlag_asks_to_be_polled_later(server: LoopbackServer) -> None:
    server.route(API, reply("error_maxlag.json", headers={"Retry-After": "0"}))
    before = datetime.now(UTC)
    with pytest.raises(SourceRateLimitedError, match="lagging") as raised:
        poll(config_for(server, maxlag_retries=1))
    assert raised.value.retry_at is not None and raised.value.retry_at > before
    assert len(server.requests) == 2


def test_an_api_error_is_one_readable_line(server: LoopbackServer) -> None:
    server.route(API, reply("error_badvalue.json"))
    with pytest.raises(WikipediaApiError) as raised:
        poll(config_for(server))
    assert raised.value.code == "badvalue"
    assert str(raised.value) == (
        'Wikipedia API error badvalue: Unrecognized value for parameter "prop": revisionz.'
        f" See the help. (wikipedia {TITLE})"
    )


def test_ratelimited_is_a_rate_limit(server: LoopbackServer) -> None:
    server.route(API, reply("error_ratelimited.json"))
    with pytest.raises(SourceRateLimitedError, match="ratelimited"):
        poll(config_for(server))
