"""Graph usage: the comment pass skipped above 80 %, a rate limit waited out as Meta estimates."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from sources.errors import SourceRateLimitedError
from sources.facebook_page import FacebookCursor
from tests.loopback import LoopbackServer
from tests.sources.facebook_page.support import PAGE_ID, edge, poll, reply, route_page


def test_quota_above_80_percent_skips_the_comment_pass_for_a_while(
    server: LoopbackServer, token_env: None
) -> None:
    usage = json.dumps(
        {
            PAGE_ID: [
                {
                    "type": "pages",
                    "call_count": 92,
                    "total_cputime": 10,
                    "total_time": 12,
                    "estimated_time_to_regain_access": 0,
                }
            ]
        }
    )
    route_page(server)
    server.route(
        edge(f"{PAGE_ID}/feed"),
        reply("feed_1.json", headers={"X-Business-Use-Case-Usage": usage}),
    )
    result = poll(server)
    assert not [r for r in server.requests if r.path.endswith("/comments")]
    assert {item.item_type for item in result.items} == {"post"}
    cursor = FacebookCursor.from_json(result.cursor)
    assert cursor.slow_until is not None and cursor.slow_until > datetime.now(UTC)
    server.route(edge(f"{PAGE_ID}/feed"), reply("feed_empty.json"))
    poll(server, dict(result.cursor))  # still slowed down: the feed only
    assert not [r for r in server.requests if r.path.endswith("/comments")]


def test_rate_limit_80001_waits_as_long_as_facebook_estimates(
    server: LoopbackServer, token_env: None
) -> None:
    usage = json.dumps(
        {
            PAGE_ID: [
                {
                    "type": "pages",
                    "call_count": 100,
                    "total_cputime": 40,
                    "total_time": 60,
                    "estimated_time_to_regain_access": 25,
                }
            ]
        }
    )
    server.route(
        edge(f"{PAGE_ID}/feed"),
        reply("error_80001.json", status=400, headers={"X-Business-Use-Case-Usage": usage}),
    )
    before = datetime.now(UTC)
    with pytest.raises(SourceRateLimitedError) as caught:
        poll(server)
    retry_at = caught.value.retry_at
    assert retry_at is not None
    assert before + timedelta(minutes=25) <= retry_at <= datetime.now(UTC) + timedelta(minutes=25)
    assert "too many calls" in str(caught.value)
