"""Source health: N failures give one alert a day, an act-now failure one at once, one recovery."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config.settings import Config, load
from monitor.judgement.health import evaluate_health, remedy, shown_health
from monitor.model import Alert, FetchResult, Health, Severity
from sources import BUILTIN_ADAPTERS
from sources.base import SourceConfig, register, unregister
from sources.capabilities import Capabilities, Remedies
from storage import source_state
from storage.database import Store
from tests.configs import write_config

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday
MINUTE = timedelta(minutes=1)


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    return load(
        write_config(
            tmp_path,
            storage_url=database_url,
            sources={
                "news": {"type": "feed", "url": "http://127.0.0.1:9/n.rss", "interval": "1h"},
                "wiki": {"type": "wikipedia", "search": ["Calcot"], "interval": "30m"},
                "off": {"type": "feed", "url": "http://127.0.0.1:9/o.rss", "enabled": False},
            },
        )
    )


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    with Store.open(config.storage.url) as opened:
        with opened.transaction() as tx:
            for name, source in config.sources.items():
                source_state.ensure(tx, name, source.type)
                succeed_in(tx, name, T0 - timedelta(hours=1))
        yield opened


def succeed_in(tx: object, name: str, now: datetime) -> None:
    source_state.record_success(
        tx,  # type: ignore[arg-type]
        name,
        cursor={},
        etag=None,
        last_modified=None,
        now=now,
        next_due_at=now + timedelta(hours=1),
    )


def fail(store: Store, name: str, now: datetime, health: Health = Health.FAILING) -> None:
    with store.transaction() as tx:
        source_state.record_failure(
            tx,
            name,
            error="HTTP 500 from 127.0.0.1",
            health=str(health),
            now=now,
            next_due_at=now + MINUTE,
            blocked_until=None,
        )


def succeed(store: Store, name: str, now: datetime) -> None:
    with store.transaction() as tx:
        succeed_in(tx, name, now)


def evaluate(store: Store, config: Config, now: datetime) -> list[Alert]:
    with store.transaction() as tx:
        return evaluate_health(tx, config, None, now)


def test_three_failures_give_one_alert_then_one_recovery(store: Store, config: Config) -> None:
    raised: list[Alert] = []
    for attempt in range(6):  # within wiki's stale bound: only news has a problem
        now = T0 + attempt * MINUTE
        fail(store, "news", now)
        raised += evaluate(store, config, now)
    assert len(raised) == 1
    [alert] = raised
    assert alert.rule == "source_health" and alert.source == "news"
    assert alert.severity is Severity.HIGH and alert.mention_id is None
    assert "news (feed) is not working (failing)" in alert.summary
    assert "HTTP 500 from 127.0.0.1" in alert.summary

    succeed(store, "news", T0 + 10 * MINUTE)
    recovered = evaluate(store, config, T0 + 10 * MINUTE)
    assert [(a.severity, a.summary) for a in recovered] == [
        (Severity.INFO, "Source news (feed) is working again.")
    ]
    assert evaluate(store, config, T0 + 11 * MINUTE) == []


def test_two_failures_are_not_yet_a_problem(store: Store, config: Config) -> None:
    fail(store, "news", T0)
    fail(store, "news", T0 + MINUTE)
    assert evaluate(store, config, T0 + MINUTE) == []
    succeed(store, "news", T0 + 2 * MINUTE)
    assert evaluate(store, config, T0 + 2 * MINUTE) == []  # no recovery without a problem


def test_an_expired_login_is_reported_at_once_with_its_remedy(store: Store, config: Config) -> None:
    fail(store, "wiki", T0, Health.AUTH_EXPIRED)
    [alert] = evaluate(store, config, T0)
    assert "(auth_expired)" in alert.summary
    assert remedy("auth_expired", "wikipedia") in alert.summary
    assert "docs/sources/wikipedia.md" in alert.summary


def test_a_lasting_problem_is_repeated_once_a_day(store: Store, config: Config) -> None:
    days = []
    for hour in range(0, 48, 2):  # Monday 09:00 to Wednesday 07:00
        now = T0 + timedelta(hours=hour)
        fail(store, "news", now, Health.BLOCKED)
        days += [now.date() for a in evaluate(store, config, now) if a.source == "news"]
    assert days == [T0.date(), (T0 + timedelta(days=1)).date(), (T0 + timedelta(days=2)).date()]


def test_a_second_episode_the_same_day_is_reported_again(store: Store, config: Config) -> None:
    fail(store, "news", T0, Health.PARSER_BROKEN)
    assert len(evaluate(store, config, T0)) == 1
    succeed(store, "news", T0 + MINUTE)
    assert len(evaluate(store, config, T0 + MINUTE)) == 1  # the recovery
    fail(store, "news", T0 + 2 * MINUTE, Health.PARSER_BROKEN)
    again = evaluate(store, config, T0 + 2 * MINUTE)
    assert [a.severity for a in again] == [Severity.HIGH]


def test_a_source_without_success_for_three_intervals_is_stale(
    store: Store, config: Config
) -> None:
    # wiki polls every 30 minutes and last succeeded at T0 - 1h.
    assert evaluate(store, config, T0 + timedelta(minutes=29)) == []
    [alert] = evaluate(store, config, T0 + timedelta(minutes=31))
    assert alert.source == "wiki"
    assert "has not been polled successfully since 2026-11-30 08:00 UTC" in alert.summary
    with store.transaction() as tx:
        row = source_state.statuses(tx)["wiki"]
    assert shown_health(row, timedelta(minutes=30), T0 + timedelta(minutes=31)) == "stale"
    assert shown_health(row, timedelta(minutes=30), T0) == "ok"


def test_disabled_sources_are_left_alone(store: Store, config: Config) -> None:
    for attempt in range(5):
        fail(store, "off", T0 + attempt * MINUTE, Health.AUTH_EXPIRED)
    assert evaluate(store, config, T0 + 5 * MINUTE) == []


# ---- remedies: each adapter says what to do about its own source ------------------------------

DOCS = Path(__file__).parents[2]
UNHEALTHY = [health for health in Health if health is not Health.OK]


@pytest.mark.parametrize("source_type", sorted(BUILTIN_ADAPTERS))
def test_every_built_in_remedy_is_its_own_and_names_docs_that_exist(source_type: str) -> None:
    for health in UNHEALTHY:
        text = remedy(health, source_type)
        assert text, f"{source_type} has no remedy for {health}"
        for path in re.findall(r"docs/[\w/.-]+\.md", text):
            assert (DOCS / path).is_file(), f"{source_type} {health}: {path} does not exist"
    assert remedy(Health.OK, source_type) == ""
    # What to do about an expired login differs from one service to the next.
    assert remedy(Health.AUTH_EXPIRED, source_type) != Capabilities().remedies.auth_expired


async def fetch_nothing(http: object, config: SourceConfig, state: object) -> FetchResult:
    return FetchResult([])


@pytest.fixture
def plugins() -> Iterator[None]:
    """A plug-in that declares a remedy and one that declares nothing, for one test."""
    declared = Capabilities(remedies=Remedies(blocked="ask the parish office to unblock us"))
    register("test_parish", SourceConfig, declared)(fetch_nothing)
    register("test_silent", SourceConfig)(fetch_nothing)
    yield
    unregister("test_parish")
    unregister("test_silent")


def test_a_plugin_states_its_remedies_or_gets_the_generic_ones(plugins: None) -> None:
    assert remedy("blocked", "test_parish") == "ask the parish office to unblock us"
    assert remedy("auth_expired", "test_parish") == Remedies().auth_expired
    assert remedy("parser_broken", "test_silent").startswith("the service changed its pages")
    assert remedy("stale", "test_silent").startswith("no successful poll for 3 intervals")
    assert remedy("unknown", "test_silent") == ""
