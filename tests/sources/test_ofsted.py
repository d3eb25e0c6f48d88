"""The ofsted adapter: golden parses of its pages and MI file, and whole scans over loopback."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.config.settings import load
from monitor.mail.digest import build, render_digest
from monitor.model import InspectionFacts, ParentViewFacts
from monitor.scan.scanner import ScanReport, run_scan
from sources.errors import SourceFormatError
from sources.http import PoliteClient
from sources.ofsted import OfstedConfig
from sources.ofsted.management import newest_file, school_row
from sources.ofsted.parse import parse_parent_view, parse_provider_page
from storage import mentions
from storage.database import Store
from tests.commands import monitor, statuses
from tests.configs import write_config
from tests.loopback import FIXTURES, LoopbackServer, Reply

HTML = "text/html; charset=utf-8"
CSV = "text/csv"
PAGE = "/provider/21/109876"
RESULTS = "/parent-view-results/urn/109876"
FEB_CSV = "Management_information_-_state-funded_schools_-_latest_inspections_as_at_28_Feb_2026.csv"
JAN_CSV = "Management_information_-_state-funded_schools_-_latest_inspections_as_at_31_Jan_2026.csv"
START = datetime(2026, 3, 17, 8, tzinfo=UTC)


def fixture(name: str) -> str:
    return (FIXTURES / "ofsted" / name).read_text(encoding="utf-8")


def page(name: str) -> Reply:
    return Reply.fixture(f"ofsted/{name}", HTML)


class Clock:
    """A clock the test moves: the adapter's "weekly" reads depend on it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def scan(config_path: Path, clock: Clock) -> ScanReport:
    """One scan through a real client and database, at the clock's time."""
    config = load(config_path)
    store = Store.open(config.storage.url)

    async def go() -> ScanReport:
        async with PoliteClient(
            contact="t@example.org", timeout=5, backoff=0.01, clock=clock
        ) as http:
            return await run_scan(config, store, http, clock)

    try:
        return asyncio.run(go())
    finally:
        store.close()


def source(server: LoopbackServer, **keys: Any) -> dict[str, Any]:
    return {"type": "ofsted", "provider_url": f"{server.url}{PAGE}", "parent_view": False, **keys}


def configure(tmp_path: Path, sqlite_url: str, keys: dict[str, Any]) -> Path:
    return write_config(tmp_path, storage_url=sqlite_url, sources={"ofsted": keys})


def stored(config: Path) -> dict[str, dict[str, Any]]:
    result = monitor(config, "mentions", "--source", "ofsted", "--format", "json")
    assert result.exit_code == 0, result.output
    return {entry["external_id"]: entry for entry in json.loads(result.stdout)}


def alerts(config: Path) -> list[dict[str, Any]]:
    result = monitor(config, "alerts", "--status", "all", "--format", "json")
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout))


def facts_of(config_path: Path, external_id: str) -> Any:
    config = load(config_path)
    with Store.open(config.storage.url) as store, store.transaction(read_only=True) as tx:
        return mentions.find(tx, "ofsted", [external_id])[external_id]


# Golden parses ----------------------------------------------------------------------------


def test_provider_page_lists_publications_newest_first_and_the_latest_grades() -> None:
    found = parse_provider_page(fixture("provider_page_report_card.html"), "reports/provider")
    assert found.school == "Calcot Infant School"
    assert [(p.file_id, p.report, p.dates, p.key) for p in found.publications] == [
        ("50301234", "Report card", "3 February 2026 - 4 February 2026", "inspection:2026-02-03"),
        (
            "50181234",
            "School inspection report",
            "9 March 2022 - 10 March 2022",
            "inspection:2022-03-09",
        ),
        (
            "2745123",
            "Short inspection report",
            "10 October 2017 - 10 October 2017",
            "inspection:2017-10-10",
        ),
    ]
    assert found.publications[0].url == "https://files.ofsted.gov.uk/v1/file/50301234"
    assert found.grades.safeguarding == "Met" and found.grades.overall is None
    assert dict(found.grades.areas) == {
        "Inclusion": "Strong standard",
        "Curriculum and teaching": "Expected standard",
        "Achievement": "Needs attention",
        "Attendance and behaviour": "Expected standard",
        "Personal development and wellbeing": "Exceptional",
        "Early years": "Strong standard",
        "Leadership and governance": "Expected standard",
    }
    older = parse_provider_page(fixture("provider_page.html"), "reports/provider")
    assert older.grades.overall == "Good" and older.grades.safeguarding is None


def test_a_page_without_the_timeline_is_a_format_error_naming_the_page() -> None:
    with pytest.raises(SourceFormatError, match=r"reports/provider/21/109876: no report timeline"):
        parse_provider_page(fixture("provider_page_changed.html"), "reports/provider/21/109876")


def test_the_newest_mi_file_and_this_schools_row() -> None:
    base = "https://www.gov.uk/government/statistical-data-sets/monthly-management-information"
    newest = newest_file(fixture("mi_data_set_page.html"), base, "gov.uk")
    assert newest.as_at == date(2026, 2, 28)
    assert newest.url == "https://www.gov.uk/media/6a01f2c3e8a4b5d6c7e8f901/" + FEB_CSV
    row = school_row((FIXTURES / "ofsted" / FEB_CSV).read_bytes(), "109876", newest.as_at, "csv")
    assert (row.inspection_number, row.start, row.safeguarding) == (
        "10311111",
        date(2026, 2, 3),
        "Met",
    )
    assert row.web_link == "https://reports.ofsted.gov.uk/provider/21/109876"
    assert ("Achievement", "Needs attention") in row.grades and (
        "Early years",
        "Strong standard",
    ) in row.grades
    assert row.category_of_concern is None and row.overall is None
    january = school_row(
        (FIXTURES / "ofsted" / JAN_CSV).read_bytes(), "109876", date(2026, 1, 31), "csv"
    )
    assert january.overall == "Good" and january.grades == ()
    with pytest.raises(SourceFormatError, match="URN 999999 is not in the management information"):
        school_row((FIXTURES / "ofsted" / FEB_CSV).read_bytes(), "999999", newest.as_at, "csv")


def test_parent_view_figures_and_a_page_that_draws_them_with_javascript() -> None:
    results = parse_parent_view(fixture("parent_view.html"), "parentview")
    assert results.responses == 84 and results.up_to == date(2026, 1, 14)
    agree = dict(results.agree)
    assert (agree["happy"], agree["safe"], agree["recommend"]) == (87, 91, 86)
    assert len(agree) == 10
    with pytest.raises(SourceFormatError, match="drawn by JavaScript"):
        parse_parent_view(fixture("parent_view_scripted.html"), "parentview")


def test_config_needs_a_page_or_a_urn_with_the_mi_file() -> None:
    with pytest.raises(ValueError, match="give provider_url, or urn with mi_url"):
        OfstedConfig.model_validate({"type": "ofsted", "urn": "109876"})
    config = OfstedConfig.model_validate(
        {"type": "ofsted", "provider_url": "https://reports.ofsted.gov.uk/provider/23/123456"}
    )
    assert config.school_urn == "123456" and config.interval == timedelta(days=1)
    assert config.results_url == "https://parentview.ofsted.gov.uk/parent-view-results/urn/123456"


# Whole scans --------------------------------------------------------------------------------


def test_baseline_then_one_mention_per_new_report_with_its_grades(
    server: LoopbackServer, sqlite_url: str, tmp_path: Path
) -> None:
    clock = Clock()
    server.route(PAGE, page("provider_page.html"))
    config = configure(tmp_path, sqlite_url, source(server))
    first = scan(config, clock)
    assert [(o.status, o.new) for o in first.outcomes] == [("ok", 2)]
    assert alerts(config) == []  # history is stored, never alerted
    baseline = stored(config)
    assert set(baseline) == {"inspection:2022-03-09", "inspection:2017-10-10"}
    latest = baseline["inspection:2022-03-09"]
    assert latest["item_type"] == "report"
    assert latest["title"] == "Ofsted School inspection report, 9 March 2022 - 10 March 2022"
    assert "Overall effectiveness: Good" in latest["text"]
    assert latest["url"] == "https://files.ofsted.gov.uk/v1/file/50181234"

    # A re-poll of the same page adds nothing.
    clock.now += timedelta(days=1)
    again = scan(config, clock)
    assert [(o.status, o.new) for o in again.outcomes] == [("ok", 0)]
    assert set(stored(config)) == set(baseline)

    # The report card appears: one new mention, every grade and the safeguarding judgement.
    server.route(PAGE, page("provider_page_report_card.html"))
    clock.now += timedelta(days=1)
    scan(config, clock)
    now = stored(config)
    assert set(now) - set(baseline) == {"inspection:2026-02-03"}
    card = now["inspection:2026-02-03"]
    assert card["title"] == "Ofsted Report card, 3 February 2026 - 4 February 2026"
    assert card["url"] == "https://files.ofsted.gov.uk/v1/file/50301234"
    for line in (
        "Inclusion: Strong standard",
        "Achievement: Needs attention",
        "Early years: Strong standard",
        "Safeguarding: Met",
    ):
        assert line in card["text"]
    [alert] = alerts(config)
    assert (alert["rule"], alert["severity"]) == ("ofsted_report", "high")
    assert "Achievement: Needs attention" in alert["summary"]
    facts = facts_of(config, "inspection:2026-02-03").facts
    assert isinstance(facts, InspectionFacts)
    assert facts.safeguarding == "Met" and facts.previous_overall == "Good"

    # The same page again: nothing new, no second alert.
    clock.now += timedelta(days=1)
    scan(config, clock)
    assert set(stored(config)) == set(now) and len(alerts(config)) == 1

    # A grade changed on the page with no new publication: an update of that mention.
    server.route(PAGE, page("provider_page_report_card_regraded.html"))
    clock.now += timedelta(days=1)
    scan(config, clock)
    updated = facts_of(config, "inspection:2026-02-03")
    assert updated.version == 2 and "Achievement: Expected standard" in updated.text
    assert set(stored(config)) == set(now) and len(alerts(config)) == 1


def test_safeguarding_not_met_raises_an_urgent_alert(
    server: LoopbackServer, sqlite_url: str, tmp_path: Path
) -> None:
    clock = Clock()
    server.route(PAGE, page("provider_page.html"), page("provider_page_not_met.html"))
    config = configure(tmp_path, sqlite_url, source(server))
    scan(config, clock)
    clock.now += timedelta(days=1)
    scan(config, clock)
    [alert] = alerts(config)
    assert (alert["rule"], alert["severity"]) == ("ofsted_report", "urgent")
    assert "safeguarding Not met" in alert["summary"]
    assert "Leadership and governance: Urgent improvement" in alert["summary"]
    # The report's own words are not the safeguarding word list's business.
    assert {a["rule"] for a in alerts(config)} == {"ofsted_report"}


def test_a_changed_page_is_parser_broken_and_a_403_is_blocked(
    server: LoopbackServer, sqlite_url: str, tmp_path: Path
) -> None:
    clock = Clock()
    server.route(PAGE, page("provider_page.html"), page("provider_page_changed.html"))
    config = configure(tmp_path, sqlite_url, source(server))
    scan(config, clock)
    clock.now += timedelta(days=1)
    broken = scan(config, clock)
    assert [o.status for o in broken.outcomes] == ["failed"]
    status = statuses(config)["ofsted"]
    assert status["health"] == "parser_broken"
    assert "/provider/21/109876: no report timeline" in status["last_error"]
    assert "Ofsted changed a page" in status["remedy"]
    assert alerts(config) == [] or {a["rule"] for a in alerts(config)} == {"source_health"}

    server.route(PAGE, Reply(status=403, body=b"<html>Access denied</html>"))
    clock.now += timedelta(days=1)
    scan(config, clock)
    status = statuses(config)["ofsted"]
    assert status["health"] == "blocked" and "403" in status["last_error"]
    # Nothing was taken for "no reports": the stored ones are still the baseline's.
    assert set(stored(config)) == {"inspection:2022-03-09", "inspection:2017-10-10"}


def test_robots_txt_is_honoured(server: LoopbackServer, sqlite_url: str, tmp_path: Path) -> None:
    server.route("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /provider/\n"))
    server.route(PAGE, page("provider_page.html"))
    config = configure(tmp_path, sqlite_url, source(server))
    scan(config, Clock())
    assert statuses(config)["ofsted"]["health"] == "blocked"
    assert server.requests_to(PAGE) == []


def test_urn_and_the_mi_file_find_the_page_confirm_and_add_reports(
    server: LoopbackServer, sqlite_url: str, tmp_path: Path
) -> None:
    clock = Clock()

    # The MI file's Web Link names the real reports site; here it names the loopback server.
    def csv_reply(name: str) -> Reply:
        body = (FIXTURES / "ofsted" / name).read_bytes()
        return Reply(
            body=body.replace(b"https://reports.ofsted.gov.uk", server.url.encode()),
            headers={"Content-Type": CSV},
        )

    server.route("/statistical-data-sets/mi", page("mi_data_set_page.html"))
    server.route(f"/media/6a01f2c3e8a4b5d6c7e8f901/{FEB_CSV}", csv_reply(FEB_CSV))
    server.route(PAGE, page("provider_page.html"))
    keys = {
        "type": "ofsted",
        "urn": "109876",
        "mi_url": f"{server.url}/statistical-data-sets/mi",
        "parent_view": False,
    }
    config = configure(tmp_path, sqlite_url, keys)
    scan(config, clock)
    # The MI file knows a report card the page does not list yet: stored (first read: history).
    first = stored(config)
    assert set(first) == {"inspection:2026-02-03", "inspection:2022-03-09", "inspection:2017-10-10"}
    card = first["inspection:2026-02-03"]
    assert (
        "Ofsted management information as at 28 February 2026 (Open Government Licence v3.0)."
        in card["text"]
    )
    assert card["url"] == f"{server.url}{PAGE}"  # no PDF known yet: the provider page
    assert alerts(config) == []
    # The page lists it a day later: the same mention, now with the PDF, and no new alert.
    server.route(PAGE, page("provider_page_report_card.html"))
    clock.now += timedelta(days=1)
    scan(config, clock)
    now = stored(config)
    assert set(now) == set(first)
    assert now["inspection:2026-02-03"]["url"] == "https://files.ofsted.gov.uk/v1/file/50301234"
    assert alerts(config) == []
    assert len(server.requests_to("/statistical-data-sets/mi")) == 1  # read weekly, not daily
    facts = facts_of(config, "inspection:2026-02-03").facts
    assert facts.management_information == date(2026, 2, 28)


def test_parent_view_figures_and_a_fall_that_is_news(
    server: LoopbackServer, sqlite_url: str, tmp_path: Path
) -> None:
    clock = Clock()
    server.route(PAGE, page("provider_page.html"))
    survey = "/parent-view-results/survey/result/54321/current"
    server.route(RESULTS, Reply(status=302, headers={"Location": survey}))
    server.route(
        survey,
        page("parent_view.html"),
        page("parent_view_fallen.html"),
        page("parent_view_scripted.html"),
    )
    config = configure(
        tmp_path,
        sqlite_url,
        source(server, parent_view=True, parent_view_url=f"{server.url}{RESULTS}"),
    )
    scan(config, clock)
    first = stored(config)["parent_view:2026-01-14:84"]
    assert first["title"] == "Ofsted Parent View: 84 responses up to 14 January 2026"
    assert "My child is happy at this school: 87% agree" in first["text"]
    assert first["url"] == f"{server.url}{survey}"
    # Read weekly: a day later the page is not asked for again.
    clock.now += timedelta(days=1)
    scan(config, clock)
    assert len(server.requests_to(survey)) == 1
    clock.now += timedelta(days=7)
    scan(config, clock)
    fallen = facts_of(config, "parent_view:2026-03-11:97")
    assert isinstance(fallen.facts, ParentViewFacts)
    assert fallen.extra["agree"]["happy"] == 73 and fallen.extra["responses"] == 97
    [alert] = alerts(config)
    assert (alert["rule"], alert["severity"]) == ("parent_view_fall", "high")
    assert "happy 87% to 73%" in alert["summary"] and "safe 91% to 76%" in alert["summary"]
    clock.now += timedelta(days=7)
    scan(config, clock)
    status = statuses(config)["ofsted"]
    assert status["health"] == "parser_broken" and "drawn by JavaScript" in status["last_error"]


def test_the_digest_shows_the_latest_grades_with_their_date(
    server: LoopbackServer, sqlite_url: str, tmp_path: Path
) -> None:
    clock = Clock()
    server.route(PAGE, page("provider_page.html"), page("provider_page_report_card.html"))
    config_path = configure(tmp_path, sqlite_url, source(server))
    scan(config_path, clock)
    clock.now += timedelta(days=1)
    scan(config_path, clock)
    config = load(config_path)
    with Store.open(config.storage.url) as store, store.transaction(read_only=True) as tx:
        digest = build(tx, config, START, datetime.now(UTC) + timedelta(seconds=1))
    text, html = render_digest(digest, config)
    assert "LATEST INSPECTION" in text
    assert "ofsted: Report card, 3 February 2026 - 4 February 2026" in text
    assert "Achievement: Needs attention" in text and "Safeguarding: Met" in text
    assert "Achievement: Needs attention" in html
