"""A realistic digest for Calcot, rendered: docs/digest.png (busy day), digest-quiet.png, urgent.png

    .venv/bin/python docs/make_digest_example.py [--out DIR] [--no-png]

Stores mentions of every item type (review, revision, thread, post, comment, entry) from every
kind of source, rating snapshots, alerts of several rules and two sources in trouble in a fresh
SQLite file, builds the digest of Monday 07:30 to Tuesday 07:30 exactly as the daemon would, and
writes its HTML (and plain text) next to a screenshot taken by headless Chromium (Debian's
`chromium` package) at 900 px wide, and one of the digest and the urgent mail at 375 px, a
phone's width (digest-phone.png, urgent-phone.png). A second, quiet day (nothing new) is
rendered too.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.config.settings import Config
from monitor.judgement.rules import Rules
from monitor.judgement.sentiment import SentimentScorer
from monitor.mail.digest import build, render_digest
from monitor.mail.urgent import compose
from monitor.model import AlertDraft, Health, Item, RatingSummary, Severity
from sources.base import SourceConfig
from storage import alerts, digests, mentions, ratings, source_state
from storage.database import Store

DOCS = Path(__file__).resolve().parent
NOW = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)  # Tuesday 07:30 in London (GMT)
START = NOW - timedelta(days=1)
SOURCES = {
    "google": "google_business",
    "google_places": "google_places",
    "wiki": "wikipedia",
    "mumsnet": "mumsnet",
    "facebook": "facebook_page",
    "news": "feed",
}


@dataclass
class Example:
    """One mention to store, and the alert it raises (if any)."""

    source: str
    item_type: str
    text: str
    minutes_ago: int
    title: str | None = None
    rating: float | None = None
    author: str | None = None
    url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    rule: str | None = None
    severity: Severity = Severity.NORMAL
    summary: str = ""


BUSY_DAY = [
    Example(
        "facebook",
        "comment",
        "Saw a man hanging around the junior gate taking photos of"
        " children at pick-up yesterday. Has anyone told the school? Really worried.",
        50,
        author="Visitor",
        url="https://www.facebook.com/CalcotSchools/posts/1029#c88",
        rule="safeguarding",
        severity=Severity.URGENT,
        summary="Possible safeguarding concern in a comment on the school's page",
    ),
    Example(
        "google",
        "review",
        "Absolutely appalling communication. My son was bullied for"
        " months and nobody did anything. Mrs Hazel Example never returned a single call.",
        300,
        rating=1,
        author="J. Smith",
        url="https://maps.google.com/?cid=1#r1",
        extra={"has_reply": False},
        rule="staff_named",
        severity=Severity.URGENT,
        summary="A negative 1-star review names a member of staff",
    ),
    Example(
        "wiki",
        "revision",
        "Calcot Junior School is a joke and the head should be sacked. Worst school in Reading.",
        700,
        title="Calcot Junior School",
        author="2a00:23c8:1d04::1 (anonymous)",
        url="https://en.wikipedia.org/w/index.php?diff=1188000002&oldid=1187000001",
        extra={"size_delta": -2450, "anonymous": True},
        rule="wikipedia_vandalism",
        severity=Severity.URGENT,
        summary="Anonymous edit removed 2,450 bytes and added insults",
    ),
    Example(
        "facebook",
        "comment",
        "Whoever runs this place is a disgrace, absolute idiots the lot of them.",
        200,
        author="Visitor",
        url="https://www.facebook.com/CalcotSchools/posts/1031#c12",
        rule="abusive",
        severity=Severity.HIGH,
        summary="Abusive comment on the school's page",
    ),
    Example(
        "google_places",
        "review",
        "Parking at drop-off is chaos and the office staff can be"
        " quite rude when you ask a simple question.",
        400,
        rating=2,
        author="Local Mum",
        url="https://www.google.com/maps/place/?q=place_id:ChIJ#r9",
        extra={"has_reply": False},
        rule="low_rating",
        severity=Severity.HIGH,
        summary="A 2-star review on Google Maps",
    ),
    Example(
        "mumsnet",
        "thread",
        "Is anyone else concerned about the number of supply teachers in"
        " Year 5 this term? My DD has had four different teachers since September.",
        600,
        title="Calcot Junior - anyone else worried about Year 5?",
        author="Reading_mum_of_2",
        url="https://www.mumsnet.com/talk/primary/5012345-calcot-junior-year-5",
        rule="new_thread",
        severity=Severity.HIGH,
        summary="New Mumsnet thread about the school",
    ),
    Example(
        "facebook",
        "post",
        "I have rung the office three times about the trip money and"
        " nobody has called me back. Not good enough.",
        150,
        author="Visitor",
        url="https://www.facebook.com/CalcotSchools/posts/1033",
        rule="negative",
        severity=Severity.NORMAL,
        summary="Negative post on the school's page",
    ),
    Example(
        "google",
        "review",
        "Fantastic school, my daughter loves Year 2 and the teachers are"
        " so caring. The new reading scheme has made a huge difference.",
        900,
        rating=5,
        author="Priya K.",
        url="https://maps.google.com/?cid=1#r2",
        extra={"has_reply": False},
        rule="praise",
        severity=Severity.INFO,
        summary="A 5-star review",
    ),
    Example(
        "news",
        "entry",
        "Pupils at Calcot Junior School raised more than £2,000 for"
        " Readifood with a sponsored walk, and delivered the food parcels themselves.",
        1000,
        title="Calcot pupils' sponsored walk raises £2,000 for food bank",
        url="https://www.readingchronicle.co.uk/news/24000001.calcot-pupils-food-bank/",
        rule="praise",
        severity=Severity.INFO,
        summary="Good news story",
    ),
    Example(
        "mumsnet",
        "post",
        "We moved our son to Calcot last year and honestly it has been"
        " brilliant. Give them a chance, the new head is very approachable.",
        580,
        author="TeaAndBiscuits",
        url="https://www.mumsnet.com/talk/primary/5012345-calcot-junior-year-5?reply=2",
    ),
    Example(
        "news",
        "entry",
        "West Berkshire Council will consult parents on a breakfast club"
        " shared by Calcot Infant and Junior schools from January.",
        1200,
        title="Council to consult on Calcot breakfast club",
        url="https://www.newburytoday.co.uk/news/calcot-breakfast-club-consultation/",
    ),
    Example(
        "google",
        "review",
        "Good school, lovely staff. Homework could be clearer.",
        1300,
        rating=4,
        author="D. Brown",
        url="https://maps.google.com/?cid=1#r3",
        extra={"has_reply": True},
    ),
]

DESKTOP = 900
PHONE = 375
# Window heights (px) that hold each whole page, at each width.
HEIGHTS = {
    ("digest", DESKTOP): 3190,
    ("digest-quiet", DESKTOP): 1195,
    ("urgent", DESKTOP): 980,
    ("digest", PHONE): 3925,
    ("urgent", PHONE): 1200,
}
TROUBLE = {
    "google": (
        Health.AUTH_EXPIRED,
        6,
        "auth expired: Google refused the refresh token"
        " (invalid_grant); sign in again as described in docs/sources/google.md",
    ),
    "mumsnet": (
        Health.BLOCKED,
        3,
        "blocked: www.mumsnet.com answered 403 Forbidden to every thread page",
    ),
}


def example_config(database: Path) -> Config:
    """Calcot's config, with a source of every type (stand-ins where this tree lacks one)."""
    config = Config.model_validate(
        {
            "school": {
                "name": "Calcot Schools",
                "aliases": ["Calcot Infant School", "Calcot Junior School", "Calcot"],
                "staff": ["Mrs Hazel Example"],
                "timezone": "Europe/London",
            },
            "storage": {"url": f"sqlite:///{database}"},
            "email": {
                "smtp_host": "localhost",
                "from": "Calcot monitor <monitor@calcot.example>",
                "to": ["slt@calcot.example"],
            },
        }
    )
    # The digest reads only each source's type from config: no adapter is needed to draw it.
    sources = {name: SourceConfig(type=kind) for name, kind in SOURCES.items()}
    return config.model_copy(update={"sources": sources})


def store_examples(store: Store, config: Config, examples: list[Example], now: datetime) -> None:
    """Score and store the examples, with their alerts, as a scan at their times would."""
    scorer = SentimentScorer(config.sentiment.lexicon)
    rules = Rules.from_config(config)
    for number, example in enumerate(examples):
        seen = now - timedelta(minutes=example.minutes_ago)
        item = Item(
            external_id=f"{example.source}-{seen.timestamp():.0f}-{number}",
            item_type=example.item_type,
            text=example.text,
            url=example.url,
            title=example.title,
            author=example.author,
            published_at=seen - timedelta(minutes=7),
            rating=example.rating,
            extra=example.extra,
        )
        sentiment = scorer.score(example.text)
        with store.transaction() as tx:
            written = mentions.add_or_update(
                tx,
                source=example.source,
                source_type=SOURCES[example.source],
                item=item,
                sentiment=sentiment,
                labels=rules.labels(item, sentiment),
                now=seen,
                baseline=False,
            )
            if example.rule:
                draft = AlertDraft(
                    example.rule,
                    example.severity,
                    example.summary,
                    f"{example.rule}:{example.source}:{item.external_id}",
                    example.source,
                )
                alerts.add_many(tx, [alerts.NewAlert(draft, written.mention_id)], seen)


def store_history(store: Store, config: Config) -> None:
    """Eight weeks of ordinary mentions for the trend, and the last digest's window."""
    chance = random.Random(1)
    texts = [
        ("Lovely nativity play this afternoon, well done everyone!", 0.8),
        ("Reminder: INSET day on Friday, the school is closed to pupils.", 0.0),
        ("Not happy about the new uniform supplier, prices have gone up again.", -0.5),
    ]
    history = []
    for day in range(8, 56):
        for _ in range(chance.choice([0, 1, 1, 2, 3])):
            text, _tone = chance.choice(texts)
            history.append(
                Example(
                    chance.choice(["facebook", "news", "mumsnet"]),
                    "post",
                    text,
                    day * 1440 + chance.randrange(600),
                    url="https://www.facebook.com/CalcotSchools/posts/900",
                )
            )
    store_examples(store, config, history, NOW)
    with store.transaction() as tx:
        digests.add(tx, START - timedelta(days=1), START, None, START)


def store_health_and_ratings(store: Store) -> None:
    """Rating snapshots (Places' count rose by more than the one review it shows) and failures."""
    with store.transaction() as tx:
        for name, kind in SOURCES.items():
            source_state.ensure(tx, name, kind)
        ratings.record(tx, "google", RatingSummary(4.4, 52), START - timedelta(hours=3))
        ratings.record(tx, "google", RatingSummary(4.3, 55), NOW - timedelta(hours=1))
        ratings.record(tx, "google_places", RatingSummary(4.3, 57), START - timedelta(hours=2))
        ratings.record(tx, "google_places", RatingSummary(4.2, 61), NOW - timedelta(hours=1))
        for name, (health, failures, error) in TROUBLE.items():
            for attempt in range(failures):
                source_state.record_failure(
                    tx,
                    name,
                    error=error,
                    health=str(health),
                    now=NOW - timedelta(hours=failures - attempt),
                    next_due_at=NOW,
                    blocked_until=None,
                )
        draft = AlertDraft(
            "source_health",
            Severity.HIGH,
            "google: auth expired: sign in again",
            "source_health:google:1",
            "google",
        )
        alerts.add_many(tx, [alerts.NewAlert(draft, None)], NOW - timedelta(hours=6))


def write(out: Path, name: str, text: str, html: str, png: bool) -> None:
    """Write the HTML and text, and screenshot the HTML with headless Chromium."""
    (out / f"{name}.html").write_text(html, encoding="utf-8")
    (out / f"{name}.txt").write_text(text, encoding="utf-8")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not png or browser is None:
        return
    for width in (DESKTOP, PHONE):
        if (name, width) not in HEIGHTS:
            continue
        picture = DOCS / (name + ("-phone" if width == PHONE else "") + ".png")
        subprocess.run(  # noqa: S603 - our own arguments, the browser found on PATH
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--hide-scrollbars",
                f"--screenshot={picture}",
                f"--window-size={width},{HEIGHTS[name, width]}",
                (out / f"{name}.html").as_uri(),
            ],
            check=True,
            capture_output=True,
        )


def main() -> None:
    """Build both example digests and render them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(tempfile.mkdtemp(prefix="digest-")))
    parser.add_argument("--no-png", action="store_true", help="Skip the Chromium screenshots.")
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    database = options.out / "example.db"
    for stale in options.out.glob("example.db*"):
        stale.unlink()
    config = example_config(database)
    with Store.open(config.storage.url) as store:
        store_history(store, config)
        store_examples(store, config, BUSY_DAY, NOW)
        store_health_and_ratings(store)
        with store.transaction(read_only=True) as tx:
            busy = build(tx, config, START, NOW)
            quiet = build(tx, config, NOW, NOW + timedelta(days=1))
            raised = digests.alerts_created(tx, START, NOW)
            urgent = compose(
                tx, config, [a for a in raised if a.severity is Severity.URGENT], NOW, None
            )
    write(options.out, "urgent", urgent.text, urgent.html, png=not options.no_png)
    write(options.out, "digest", *render_digest(busy, config), png=not options.no_png)
    write(options.out, "digest-quiet", *render_digest(quiet, config), png=not options.no_png)
    print(f"written to {options.out} and {DOCS}")


if __name__ == "__main__":
    main()
