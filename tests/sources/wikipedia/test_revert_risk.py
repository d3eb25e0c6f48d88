"""The revert-risk model: the probability of a revert, asked once per new revision."""

from __future__ import annotations

import json

import pytest

from sources.errors import SourceFormatError
from sources.wikipedia.parse import parse_revert_risk
from tests.loopback import LoopbackServer, Reply
from tests.sources.wikipedia.support import (
    BASELINE_CURSOR,
    RISK,
    by_id,
    config_for,
    facts_of,
    load,
    poll,
    reply,
    route_newer,
)


def test_revert_risk_is_the_probability_of_true() -> None:
    assert parse_revert_risk(load("revertrisk_high.json")) == 0.8123
    for broken in ("revertrisk_creation_error.json", "revertrisk_not_found.json"):
        with pytest.raises(SourceFormatError):
            parse_revert_risk(load(broken))


def test_revert_risk_scores_each_new_revision(server: LoopbackServer) -> None:
    route_newer(server)
    server.route(
        RISK,
        reply("revertrisk_high.json"),
        reply("revertrisk_low.json"),
        Reply.fixture("wikipedia/revertrisk_creation_error.json", "application/json", status=400),
    )
    config = config_for(server, revert_risk_url=server.url + RISK)
    items = by_id(poll(config, BASELINE_CURSOR).items)
    scores = [
        (facts_of(item).revert_risk, item.extra["revert_risk_note"]) for item in items.values()
    ]
    assert scores == [(0.8123, "scored"), (0.0412, "scored"), (None, "no score: HTTP 400")]
    bodies = [json.loads(request.body) for request in server.requests_to(RISK)]
    assert bodies == [
        {"rev_id": 1255000001, "lang": "en"},
        {"rev_id": 1255001122, "lang": "en"},
        {"rev_id": 1255002000, "lang": "en"},
    ]


def test_a_missing_revert_risk_model_means_no_score_not_low_risk(server: LoopbackServer) -> None:
    route_newer(server)
    server.route(
        RISK, Reply.fixture("wikipedia/revertrisk_not_found.json", "application/json", status=404)
    )
    config = config_for(server, revert_risk_url=server.url + RISK)
    result = poll(config, BASELINE_CURSOR)
    assert {facts_of(item).revert_risk for item in result.items} == {None}
    assert {item.extra["revert_risk_note"] for item in result.items} == {
        "no score: model unavailable (HTTP 404)"
    }
    assert len(server.requests_to(RISK)) == 1  # not asked again in the same poll
    assert len(result.items) == 3
