"""End to end: `monitor scan` and `monitor mentions --format json`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from monitor.model import EditorKind, RevisionFacts
from sources.wikipedia.items import HIDDEN_USER
from storage.database import Store
from storage.mention_reading import list_mentions
from tests.commands import monitor, statuses, stored_ids
from tests.configs import write_config
from tests.loopback import LoopbackServer
from tests.sources.wikipedia.support import API, MARKUP_TEXT, TITLE, reply, route_newer, route_page


def test_a_revision_without_its_revid_is_skipped_and_the_others_stored(
    server: LoopbackServer, tmp_path: Path
) -> None:
    route_page(server, reply("revisions_one_unreadable.json"))
    path = write_config(
        tmp_path,
        storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
        sources={"wiki": {"type": "wikipedia", "pages": [TITLE], "api_url": server.url + API}},
    )
    scanned = monitor(path, "scan")
    assert scanned.exit_code == 0, scanned.output
    assert "1 unreadable item skipped" in scanned.stdout
    assert "Wikipedia API: revid is missing or not a number" in scanned.stdout
    assert stored_ids(path, "wiki") == {"1254000777", "1240000000"}
    status = statuses(path)["wiki"]
    assert (status["health"], status["skipped_items"]) == ("ok", 1)

    # The next poll's revisions all without revid: the API's shape changed, and it says so.
    route_page(server, reply("revisions_none_readable.json"), rvstartid="1254000777", rvdir="newer")
    assert monitor(path, "scan").exit_code == 1
    status = statuses(path)["wiki"]
    assert status["health"] == "parser_broken"
    assert "revid is missing or not a number" in status["last_error"]


def test_monitor_scan_stores_every_revision_once(server: LoopbackServer, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[school]
name = "St Example's CE Primary School"
[storage]
url = "sqlite:///{tmp_path / "monitor.db"}"
[http]
contact = "test@example.org"
[sources.wiki]
type = "wikipedia"
pages = ["{TITLE}"]
search = ["\\"St Example's CE Primary\\""]
api_url = "{server.url}{API}"
""",
        encoding="utf-8",
    )
    runner = CliRunner()

    def monitor(*arguments: str) -> str:
        result = runner.invoke(main, ["--config", str(config), *arguments])
        assert result.exit_code == 0, result.output
        return result.output

    route_page(server, reply("revisions_baseline.json"))
    search = {"action": "query", "list": "search"}
    server.route(API, reply("search_1.json"), params=search)
    server.route(API, reply("search_2.json"), params={**search, "sroffset": "3"})
    monitor("scan")
    route_newer(server)
    server.route(API, reply("search_repoll.json"), params=search)
    monitor("scan")
    route_page(server, reply("revisions_repoll.json"), rvstartid="1255002000")
    monitor("scan")

    mentions = json.loads(monitor("mentions", "--format", "json"))
    by_external_id = {mention["external_id"]: mention for mention in mentions}
    assert len(mentions) == len(by_external_id) == 10
    revisions = {
        key for key, mention in by_external_id.items() if mention["item_type"] == "revision"
    }
    assert revisions == {
        "1240000000",
        "1250000100",
        "1254000777",
        "1255000001",
        "1255001122",
        "1255002000",
    }
    vandalism = by_external_id["1255000001"]
    assert vandalism["text"].startswith("a liar and an idiot … was sacked\n")
    assert (vandalism["author"], vandalism["type"]) == ("~2026-48233-24", "wikipedia")
    assert vandalism["sentiment"] < 0
    assert by_external_id["1255002000"]["text"] == MARKUP_TEXT
    assert by_external_id["1250000100"]["author"] == HIDDEN_USER
    assert by_external_id["page:66260701"]["title"] == "Exampleton Gazette"
    # The facts the vandalism rule reads survive storage typed, not just parsing.
    store = Store.open(f"sqlite:///{tmp_path / 'monitor.db'}")
    with store.transaction() as tx:
        stored = {mention.external_id: mention for mention in list_mentions(tx)}
    store.close()
    extras = {key: mention.extra for key, mention in stored.items()}
    assert extras["1255000001"]["temp"] is True and extras["1255000001"]["anon"] is False
    assert extras["1250000100"]["userhidden"] is True
    vandal = stored["1255000001"].facts
    assert isinstance(vandal, RevisionFacts)
    assert (vandal.editor, vandal.offensive_words) == (
        EditorKind.TEMPORARY,
        ("idiot", "liar", "sucks"),
    )
    rollback = stored["1255001122"].facts
    assert isinstance(rollback, RevisionFacts) and rollback.is_revert
    assert stored["page:66260701"].facts is None  # a search hit hands on no facts
    # And the rule fired from them in the scan: the edit was reverted, so it is info.
    alerts = json.loads(monitor("alerts", "--status", "all", "--format", "json"))
    assert [(a["rule"], a["severity"]) for a in alerts if a["rule"] == "wikipedia_vandalism"] == [
        ("wikipedia_vandalism", "info")
    ]
