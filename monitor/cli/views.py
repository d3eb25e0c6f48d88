"""Tables for the terminal (rich) and for pipes (plain columns); JSON and CSV are monitor.exports.

Every table shows times to the minute in the school's timezone and says which in its header;
JSON and CSV keep ISO 8601 UTC (DESIGN.md 7).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from monitor.model import SourceStatus
    from monitor.scan.scanner import ScanReport
    from storage.workers import WorkerRow

MENTION_FIELDS = (
    "id",
    "source",
    "type",
    "item_type",
    "external_id",
    "url",
    "title",
    "author",
    "text",
    "rating",
    "published_at",
    "first_seen_at",
    "sentiment",
    "labels",
    "parent_external_id",
    "visibility",
    "schools",
)


def render_table(console: Console, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A rich table on a terminal; tab-separated columns with a header line elsewhere."""
    if console.is_terminal:
        table = Table(*headers, show_lines=False)
        for row in rows:
            # Text(), not str: scraped text must not be read as rich markup ("[red]...").
            table.add_row(*(Text(_cell(value)) for value in row))
        console.print(table)
        return
    out = console.file
    out.write("\t".join(headers) + "\n")
    for row in rows:
        out.write("\t".join(_cell(value).replace("\t", " ").replace("\n", " ") for value in row))
        out.write("\n")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:+.2f}"
    # Scraped text may carry terminal escape sequences; show them, never let them act.
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], str(value))


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def zone_label(zone: ZoneInfo) -> str:
    """How a table header names the timezone its times are in."""
    return str(zone.key)


def when(moment: datetime | str, zone: ZoneInfo) -> str:
    """A time to the minute in `zone`, the same way in every table: 2026-11-25 09:00."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def shorten(text: str, width: int = 80) -> str:
    """Text on one line, cut to `width` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def seen_as(visibility: str) -> str:
    """What goes before the text of a mention its source hides or removed: "(hidden) "."""
    return "" if visibility == "visible" else f"({visibility}) "


def scan_table(console: Console, report: ScanReport, *, dry_run: bool) -> None:
    """The summary of one scan: a row per source; the note says what failed or was skipped."""
    from monitor.scan.report import skipped_note  # the scan has loaded it; `--help` need not

    rows = [
        (
            outcome.name,
            outcome.type,
            outcome.status + (" (baseline)" if outcome.baseline else ""),
            outcome.fetched,
            outcome.new,
            outcome.updated,
            outcome.negative,
            outcome.error or skipped_note(outcome),
        )
        for outcome in report.outcomes
    ]
    title = "would store" if dry_run else "new"
    headers = ["source", "type", "status", "fetched", title, "updated", "negative", "note"]
    render_table(console, headers, rows)


def mention_table(console: Console, records: Sequence[dict[str, Any]], zone: ZoneInfo) -> None:
    """Mentions, one row each, newest first as given."""
    rows = [
        (
            when(record["published_at"] or record["first_seen_at"], zone),
            record["source"],
            record["item_type"],
            record["sentiment"],
            ",".join(record["labels"]),
            shorten(seen_as(record["visibility"]) + (record["title"] or record["text"])),
        )
        for record in records
    ]
    headers = [f"published ({zone_label(zone)})", "source", "item", "score", "labels", "text"]
    render_table(console, headers, rows)


def status_note(entry: SourceStatus, zone: ZoneInfo) -> str:
    """The last error, and until when a service asked us not to poll (Retry-After)."""
    note = entry.last_error or ""
    if entry.blocked_until is not None and entry.blocked_until > datetime.now(UTC):
        until = when(entry.blocked_until, zone)
        note = f"not polled until {until} (asked by the service); {note}"
    return note


def next_poll(entry: SourceStatus, zone: ZoneInfo) -> str:
    """When the daemon polls the source next: "due" once that time has passed."""
    if not entry.enabled:
        return "disabled"
    if entry.next_poll_at is None or entry.next_poll_at <= datetime.now(UTC):
        return "due"
    return when(entry.next_poll_at, zone)


def status_table(console: Console, statuses: Sequence[SourceStatus], zone: ZoneInfo) -> None:
    """One row per source: health, last success, next poll, failures, mentions, items skipped
    as unreadable by the last successful poll, remedy, error."""
    rows = [
        (
            entry.name,
            entry.type,
            "yes" if entry.enabled else "no",
            entry.health,
            when(entry.last_success_at, zone) if entry.last_success_at else "never",
            next_poll(entry, zone),
            entry.consecutive_failures,
            entry.mention_count,
            entry.skipped_items,
            entry.remedy,
            status_note(entry, zone),
            entry.held_by or "",
            lag_text(entry),
        )
        for entry in statuses
    ]
    headers = [
        "source",
        "type",
        "enabled",
        "health",
        f"last success ({zone_label(zone)})",
        "next poll",
        "failures",
        "mentions",
        "skipped",
        "remedy",
        "last error",
        "held by",
        "lag",
    ]
    render_table(console, headers, rows)


def lag_text(entry: SourceStatus) -> str:
    """How late the daemon's last poll started, or how overdue the source is now."""
    now = datetime.now(UTC)
    if entry.enabled and entry.held_by is None and entry.next_poll_at is not None:
        overdue = (now - entry.next_poll_at).total_seconds()
        if overdue > 60:  # a claim round is a second: a minute late is worth saying
            return f"overdue {overdue:.0f}s"
    return "" if entry.lag is None else f"{entry.lag:.1f}s"


def workers_table(console: Console, rows: Sequence[WorkerRow], held: Mapping[str, int]) -> None:
    """One row per daemon at work: where, since when, polls done, sources it holds now."""
    render_table(
        console,
        ["worker", "host", "pid", "started (UTC)", "last seen (UTC)", "polls", "holding"],
        [
            (
                row.id,
                row.host,
                row.pid,
                row.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                row.seen_at.strftime("%H:%M:%S"),
                row.polls,
                held.get(row.id, 0),
            )
            for row in rows
        ],
    )
