"""Responding where it happened, set up for tests of the CLI and of the page: the Business Profile
and Graph write doubles (tests/sources/write_doubles.py), a feed, a real SQLite file, scanned as
in production so each mention is what the poll stored, and an alert about each one answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.model import AlertDraft, Item, Mention, Severity
from storage import alerts, mentions
from storage.alerts import NewAlert
from storage.database import Store
from tests.commands import monitor
from tests.configs import write_config
from tests.loopback import LoopbackServer
from tests.sources.common.token_endpoint import route_token
from tests.sources.facebook_page import support as facebook
from tests.sources.google_business import support as google
from tests.sources.write_doubles import BusinessProfileDouble, GraphDouble

JANE = "AbFvOqk-new-two-star"


@dataclass
class Setup:
    """A scanned config, the two doubles, and an alert per mention answered in these tests."""

    path: Path
    url: str
    business: BusinessProfileDouble
    graph: GraphDouble
    alert: dict[str, int]  # external id (or "news") → alert id


def closure_comments() -> list[dict[str, Any]]:
    """The closure post's comments as Graph has them now (times moved to today)."""
    return [
        comment
        for name in ("comments_1.json", "comments_3.json")
        for comment in facebook.shift(facebook.fixture(name))["data"]
    ]


def scanned(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str = ""
) -> Setup:
    """Google and Facebook doubles, a feed, scanned; alerts about a review, comments, an entry."""
    monkeypatch.setenv("GBP_CLIENT_SECRET", google.CLIENT_SECRET)
    monkeypatch.setenv("GBP_REFRESH_TOKEN", google.REFRESH_TOKEN)
    monkeypatch.setenv(facebook.TOKEN_ENV, facebook.TOKEN)
    route_token(server, google.google("token_ok"))
    business = BusinessProfileDouble(
        server, google.REVIEWS, google.ACCESS_TOKEN, "business_reviews_page1.json"
    )
    facebook.route_page(server)
    graph = GraphDouble(
        server,
        facebook.VERSION,
        facebook.PAGE_ID,
        facebook.TOKEN,
        {
            facebook.CLOSURE: closure_comments(),
            facebook.VISITOR: [],
            facebook.HARVEST: [],
        },
    )
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    path = write_config(
        tmp_path,
        storage_url=url,
        sources={
            "google": google.keys(server),
            "facebook": {
                "type": "facebook_page",
                "page_id": facebook.PAGE_ID,
                "access_token_env": facebook.TOKEN_ENV,
                "api_url": server.url,
                "api_version": facebook.VERSION,
            },
            "news": {"type": "feed", "url": f"{server.url}/news.rss"},
        },
        extra=extra,
    )
    scanned = monitor(path, "scan", "--source", "google", "--source", "facebook")
    assert scanned.exit_code == 0, scanned.output
    ids = {JANE: "low_rating", facebook.SAM: "abusive", facebook.ALEX: "negative"}
    with Store.open(url) as store, store.transaction() as tx:
        news = mentions.add_or_update(
            tx, source="news", source_type="feed",
            item=Item("n1", "entry", "Calcot parents angry", url="https://news.example/n1"),
            sentiment=None, labels=[], now=datetime.now(UTC), baseline=False,
        )  # fmt: skip
        found = {**mentions.find(tx, "google", [JANE]), **mentions.find(tx, "facebook", ids)}
        found_ids = {key: mention.id for key, mention in found.items()}
        drafts = [
            NewAlert(AlertDraft(ids[key], Severity.HIGH, "s", f"{ids[key]}:{key}"), found_ids[key])
            for key in ids
        ]
        drafts.append(
            NewAlert(AlertDraft("negative", Severity.NORMAL, "s", "n:n1"), news.mention_id)
        )
        raised = alerts.add_many(tx, drafts, datetime.now(UTC))
    by_mention = {alert.mention_id: alert.id for alert in raised}
    alert = {key: by_mention[found_ids[key]] for key in ids} | {"news": by_mention[news.mention_id]}
    server.requests.clear()
    return Setup(path, url, business, graph, alert)


def stored(setup: Setup, source: str, external_id: str) -> Mention:
    """The mention as stored now."""
    with Store.open(setup.url) as store, store.transaction(read_only=True) as tx:
        return mentions.find(tx, source, [external_id])[external_id]
