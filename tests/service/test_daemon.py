"""The daemon's scheduling: due polls from the database, missed slots run once, the digest's cron.

The polls are the real poller's (`build_poller`, one pass of what is due: `run_due`) over a
loopback feed and a SQLite file, driven by an injected clock; the scheduler tests use recording
jobs on a real AsyncIOScheduler.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from monitor.config.schedule import parse_cron
from monitor.config.settings import Config, load
from monitor.service.daemon import Daemon, Jobs, Timing, digest_trigger
from monitor.service.slots import JobSlots, slot_period
from monitor.service.wiring import MailFunctions, build_poller, no_mail, no_queue
from sources.http import PoliteClient
from storage import mention_reading, schema, source_state
from storage.database import Store
from tests.configs import write_config
from tests.loopback import LoopbackServer, Reply

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NO_MAIL = MailFunctions(no_mail, no_mail, no_queue)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def config(server: LoopbackServer, tmp_path: Path) -> Config:
    server.route("/alerts.xml", Reply.fixture("feed/google_alerts.xml", "application/atom+xml"))
    server.route("/news.rss", Reply.fixture("feed/rss2.xml", "application/rss+xml"))
    return load(
        write_config(
            tmp_path,
            storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
            sources={
                "alerts": {"type": "feed", "url": f"{server.url}/alerts.xml", "interval": "1h"},
                "news": {"type": "feed", "url": f"{server.url}/news.rss", "interval": "30m"},
            },
        )
    )


def tick(config: Config, clock: FakeClock) -> None:
    """What a freshly started daemon (its own store and client) polls at `clock.now`."""

    async def go() -> None:
        with Store.open(config.storage.url) as store:
            async with PoliteClient(contact="t@example.org", timeout=5, backoff=0.01) as http:
                await build_poller(config, store, http, clock, NO_MAIL).run_due()

    asyncio.run(go())


def polls(server: LoopbackServer) -> Counter[str]:
    return Counter(request.path for request in server.requests)


def test_a_tick_polls_only_the_sources_that_are_due(config: Config, server: LoopbackServer) -> None:
    clock = FakeClock(T0)
    tick(config, clock)
    assert polls(server) == {"/alerts.xml": 1, "/news.rss": 1}
    clock.now = T0 + timedelta(minutes=10)
    tick(config, clock)
    assert polls(server) == {"/alerts.xml": 1, "/news.rss": 1}  # neither is due
    # Past 30 minutes and the scan's jitter (5% of it: 90 s).
    clock.now = T0 + timedelta(minutes=32)
    tick(config, clock)
    assert polls(server) == {"/alerts.xml": 1, "/news.rss": 2}  # news polls every 30 minutes


def test_slots_missed_while_stopped_are_polled_once_after_restart(
    config: Config, server: LoopbackServer
) -> None:
    clock = FakeClock(T0)
    tick(config, clock)
    clock.now = T0 + timedelta(hours=5)  # five hours off: five missed alerts slots, ten of news
    tick(config, clock)
    assert polls(server) == {"/alerts.xml": 2, "/news.rss": 2}
    with Store.open(config.storage.url) as store, store.transaction() as tx:
        rows = source_state.statuses(tx)
        stored = mention_reading.count_by_source(tx)
    # From now, not T0, give or take the scan's jitter (5% of the interval, two minutes at most).
    due = rows["alerts"].next_due_at
    assert due is not None and abs(due - (clock.now + timedelta(hours=1))) <= timedelta(minutes=2)
    assert stored == {"alerts": 3, "news": 3}  # each stored once
    clock.now += timedelta(minutes=1)
    tick(config, clock)
    assert polls(server) == {"/alerts.xml": 2, "/news.rss": 2}


class Recorder:
    """Jobs that count their runs and tell the test when each has run."""

    def __init__(self) -> None:
        self.runs: Counter[str] = Counter()
        self.times: dict[str, datetime] = {}
        self.ran = {name: asyncio.Event() for name in ("dispatch", "digest", "purge", "health")}

    def job(self, name: str):  # type: ignore[no-untyped-def]
        async def run(now: datetime) -> None:
            self.runs[name] += 1
            self.times[name] = now
            self.ran[name].set()

        return run

    def jobs(self) -> Jobs:
        return Jobs(**{name: self.job(name) for name in self.ran})


async def settle() -> None:
    """Let every task that is ready run (no wall-clock wait)."""
    for _ in range(50):
        await asyncio.sleep(0)


def test_every_job_runs_once_at_start_with_the_injected_time() -> None:
    recorder = Recorder()
    daemon = Daemon(
        recorder.jobs(), LONDON, digest_schedule=parse_cron("30 7 * * 1-5"), clock=lambda: T0
    )

    async def go() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(daemon.run(stop))
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in recorder.ran.values())), 30)
        await settle()
        stop.set()
        await asyncio.wait_for(running, 30)

    asyncio.run(go())
    assert recorder.runs == {name: 1 for name in recorder.ran}
    assert set(recorder.times.values()) == {T0}


def test_missed_slots_of_a_running_scheduler_run_once() -> None:
    recorder = Recorder()
    daemon = Daemon(recorder.jobs(), LONDON)

    async def go() -> datetime:
        scheduler = daemon.scheduler()
        an_hour_ago = datetime.now(LONDON) - timedelta(hours=1)
        # As after a suspend: sixty one-minute slots went by unrun.
        scheduler.modify_job("dispatch", next_run_time=an_hour_ago)
        scheduler.start()
        await asyncio.wait_for(recorder.ran["dispatch"].wait(), 30)
        await settle()
        next_run: datetime = scheduler.get_job("dispatch").next_run_time
        scheduler.shutdown(wait=False)
        await settle()
        return next_run

    next_run = asyncio.run(go())
    assert recorder.runs["dispatch"] == 1
    assert next_run > datetime.now(LONDON) - timedelta(minutes=1)
    for job in ("dispatch", "health", "purge"):
        options = daemon.scheduler().get_job(job)
        assert (options.coalesce, options.misfire_grace_time, options.max_instances) == (
            True,
            None,
            1,
        )


def test_a_job_still_running_is_not_started_twice() -> None:
    started: list[datetime] = []

    async def go() -> None:
        gate = asyncio.Event()

        async def slow(now: datetime) -> None:
            started.append(now)
            await gate.wait()

        async def nothing(now: datetime) -> None:
            return None

        daemon = Daemon(Jobs(slow, nothing, nothing, nothing), LONDON, clock=lambda: T0)
        await daemon.launch("dispatch")
        await settle()
        await daemon.launch("dispatch")  # the next slot, while the first run still goes on
        await settle()
        assert len(started) == 1
        gate.set()
        await settle()
        await daemon.launch("dispatch")
        await settle()

    asyncio.run(go())
    assert len(started) == 2


def test_stop_abandons_a_job_that_outlives_the_bound() -> None:
    async def hang(now: datetime) -> None:
        await asyncio.Event().wait()

    async def nothing(now: datetime) -> None:
        return None

    timing = Timing(stop_within=timedelta(seconds=0.1))
    daemon = Daemon(Jobs(hang, nothing, nothing, nothing), LONDON, timing=timing)

    async def go() -> bool:
        await daemon.launch("dispatch")
        await settle()
        await daemon.finish_running()
        return daemon.running["dispatch"].cancelled()

    assert asyncio.run(go())


def test_the_watchdog_is_fed_only_while_the_poller_makes_progress(
    config: Config, server: LoopbackServer
) -> None:
    async def nothing(now: datetime) -> None:
        return None

    async def go() -> tuple[bool, bool, bool]:
        with Store.open(config.storage.url) as store:
            async with PoliteClient(contact="t@example.org", timeout=5) as http:
                poller = build_poller(config, store, http, FakeClock(T0), NO_MAIL)
                daemon = Daemon(Jobs(nothing, nothing, nothing, nothing), LONDON, poller=poller)
                fresh = daemon.making_progress()
                poller.progress = time.monotonic() - Timing().stall_after.total_seconds() - 1
                stalled = daemon.making_progress()
                await poller.run_due()  # a claim round and two polls
                return fresh, stalled, daemon.making_progress()

    assert asyncio.run(go()) == (True, False, True)


def london(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def fire_times(expression: str, after: datetime, count: int) -> list[datetime]:
    trigger = digest_trigger(parse_cron(expression), LONDON)
    times: list[datetime] = []
    previous = None
    now = after
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        times.append(fire)
        previous, now = fire, fire + timedelta(seconds=1)
    return times


def test_the_weekday_digest_fires_at_0730_london_across_the_clock_change() -> None:
    # British Summer Time ends on Sunday 25 October 2026.
    times = fire_times("30 7 * * 1-5", london(2026, 10, 22, 8, 0), 4)
    assert [t.astimezone(UTC).strftime("%a %d %H:%M") for t in times] == [
        "Fri 23 06:30",  # 07:30 BST
        "Mon 26 07:30",  # 07:30 GMT; no Saturday or Sunday
        "Tue 27 07:30",
        "Wed 28 07:30",
    ]
    assert {(t.hour, t.minute) for t in times} == {(7, 30)}


@pytest.mark.parametrize(
    ("expression", "weekday"), [("0 9 * * 1", "Mon"), ("0 9 * * 0", "Sun"), ("0 9 * * 7", "Sun")]
)
def test_cron_weekday_numbers_mean_what_cron_means(expression: str, weekday: str) -> None:
    times = fire_times(expression, london(2026, 12, 1, 12, 0), 3)  # from a Tuesday
    assert {t.strftime("%a %H:%M") for t in times} == {f"{weekday} 09:00"}
    assert times[1] - times[0] == timedelta(days=7)


def test_the_digest_is_scheduled_only_with_a_digest_schedule() -> None:
    async def nothing(now: datetime) -> None:
        return None

    jobs = Jobs(nothing, nothing, nothing, nothing)
    assert "digest" not in Daemon(jobs, LONDON).triggers()
    with_digest = Daemon(jobs, LONDON, digest_schedule=parse_cron("30 7 * * 1-5")).triggers()
    assert str(with_digest["digest"]) == str(digest_trigger(parse_cron("30 7 * * 1-5"), LONDON))


def test_a_tick_raises_the_health_alert_of_a_failing_source(
    server: LoopbackServer, tmp_path: Path
) -> None:
    server.route("/private.xml", Reply(status=401, body=b"login required"))
    config = load(
        write_config(
            tmp_path,
            storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
            sources={"private": {"type": "feed", "url": f"{server.url}/private.xml"}},
        )
    )
    tick(config, FakeClock(T0))
    tick(config, FakeClock(T0 + timedelta(hours=1)))  # still failing: the same day, no repeat
    with Store.open(config.storage.url) as store, store.transaction() as tx:
        rows = tx.connection.execute(
            sa.select(schema.alert.c.rule, schema.alert.c.source, schema.alert.c.summary)
        ).all()
    assert len(rows) == 1
    assert rows[0].rule == "source_health" and rows[0].source == "private"
    assert "(auth_expired)" in rows[0].summary


def test_a_tick_that_raises_mail_at_once_dispatches_it_at_once(
    server: LoopbackServer, tmp_path: Path
) -> None:
    """A source going blind is mailed in the same tick, not at the next minute's dispatch."""
    server.route("/private.xml", Reply(status=401, body=b"login required"))
    server.route("/ok.xml", Reply.fixture("feed/atom.xml", "application/atom+xml"))
    config = load(
        write_config(
            tmp_path,
            storage_url=f"sqlite:///{tmp_path / 'monitor.db'}",
            sources={
                "private": {"type": "feed", "url": f"{server.url}/private.xml"},
                "ok": {"type": "feed", "url": f"{server.url}/ok.xml"},
            },
        )
    )
    dispatched: list[datetime] = []

    def dispatch(store: Store, config: Config, now: datetime) -> None:
        dispatched.append(now)

    async def go(clock: FakeClock) -> None:
        with Store.open(config.storage.url) as store:
            async with PoliteClient(contact="t@example.org", timeout=5, retries=0) as http:
                mail = MailFunctions(dispatch, no_mail, no_queue)
                await build_poller(config, store, http, clock, mail).run_due()

    asyncio.run(go(FakeClock(T0)))
    assert dispatched == [T0]  # the health alert of "private"
    server.route("/private.xml", Reply.fixture("feed/atom.xml", "application/atom+xml"))
    asyncio.run(go(FakeClock(T0 + timedelta(hours=1))))  # recovered: one notice, mailed
    assert dispatched == [T0, T0 + timedelta(hours=1)]
    asyncio.run(go(FakeClock(T0 + timedelta(hours=2))))  # nothing new: nothing dispatched
    assert dispatched == [T0, T0 + timedelta(hours=1)]


def test_exactly_once_jobs_run_once_per_slot_across_workers(sqlite_url: str) -> None:
    """Three workers reaching the same digest, purge and health slots: each runs once."""
    ran: Counter[str] = Counter()

    def job(name: str):  # type: ignore[no-untyped-def]
        async def run(now: datetime) -> None:
            ran[name] += 1

        return run

    async def go(store: Store) -> None:
        daemons = [
            Daemon(
                Jobs(job("dispatch"), job("digest"), job("purge"), job("health")),
                LONDON,
                digest_schedule=parse_cron("30 7 * * 1-5"),
                clock=lambda: T0,
                slots=JobSlots(store, f"worker{n}"),
            )
            for n in range(3)
        ]
        for name in ("dispatch", "digest", "purge", "health"):
            await asyncio.gather(*(daemon.run_job(name) for daemon in daemons))

    with Store.open(sqlite_url) as store:
        asyncio.run(go(store))
    assert ran == {"dispatch": 3, "digest": 1, "purge": 1, "health": 1}


def test_a_failed_exactly_once_job_gives_its_slot_back(sqlite_url: str) -> None:
    attempts: list[str] = []

    async def flaky(now: datetime) -> None:
        attempts.append("run")
        if len(attempts) == 1:
            raise RuntimeError("SMTP server away")

    async def nothing(now: datetime) -> None:
        return None

    async def go(store: Store) -> None:
        for n in range(3):
            daemon = Daemon(
                Jobs(nothing, nothing, nothing, flaky),
                LONDON,
                clock=lambda: T0,
                slots=JobSlots(store, f"worker{n}"),
            )
            await daemon.run_job("health")

    with Store.open(sqlite_url) as store:
        asyncio.run(go(store))
    assert attempts == ["run", "run"]  # failed, retried by the next worker, then done


@pytest.mark.parametrize(
    ("now", "trigger", "period"),
    [
        # An interval's slots count from the epoch: every worker names the same one.
        (
            datetime(2026, 12, 1, 10, 7, 12, tzinfo=UTC),
            "health",
            datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        ),
        # A cron's slot is its last fire time: 07:30 London on a weekday.
        (
            datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            "digest",
            datetime(2026, 12, 1, 7, 30, tzinfo=UTC),
        ),
        # Monday's, on a Sunday (weekdays only).
        (
            datetime(2026, 12, 6, 9, 0, tzinfo=UTC),
            "digest",
            datetime(2026, 12, 4, 7, 30, tzinfo=UTC),
        ),
        (
            datetime(2026, 12, 1, 3, 14, tzinfo=UTC),
            "purge",
            datetime(2026, 11, 30, 3, 15, tzinfo=UTC),
        ),
    ],
)
def test_slot_periods(now: datetime, trigger: str, period: datetime) -> None:
    async def nothing(now: datetime) -> None:
        return None

    daemon = Daemon(
        Jobs(nothing, nothing, nothing, nothing), LONDON, digest_schedule=parse_cron("30 7 * * 1-5")
    )
    assert slot_period(daemon.triggers()[trigger], now) == period
