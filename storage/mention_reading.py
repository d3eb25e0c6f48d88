"""Reading stored mentions: the listing, counts per source, schools, and a row back into a Mention.

Written in plain SQL against `storage.reader.Reader`, so the same functions serve a
`Transaction` (SQLAlchemy, SQLite or PostgreSQL: the web page, the digest, the scan) and a
`storage.sqlite_reader.SqliteReader` (`monitor mentions` on SQLite, without SQLAlchemy's
import). `mention_from_row` reads a row from either: SQLAlchemy's typed values or the driver's
raw ones (SQLite's text times and JSON).

The listing's order is the expression of the index `ix_mention_newest` (storage.schema), so
the newest rows are read from the index instead of sorting the table; a test reads SQLite's
query plan. The SQL is put together from this module's own text and placeholders only (ruff's
S608 is silenced where it cannot see that); every value is a bound parameter.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from monitor.model import (
    FACTS_KEY,
    Facts,
    FactsError,
    Mention,
    Sentiment,
    Visibility,
    facts_from_json,
)
from storage.errors import StorageError
from storage.reader import Reader, bind_time, json_value, mark, marks, utc_time

BATCH = 500  # ids per IN (...) list, well under SQLite's limit of bound parameters
# When a mention happened, for listing newest first: published, else first seen (undated items).
# The same expression as the index ix_mention_newest, or the database sorts every row.
WHEN = "coalesce(mention.published_at, mention.first_seen_at)"
# One school's id, or several (a web user limited to some schools): "about any of them".
Schools = str | Collection[str]


def list_mentions(
    reader: Reader,
    *,
    source: str | None = None,
    since: datetime | None = None,
    label: str | None = None,
    limit: int | None = None,
    search: str | None = None,
    school: Schools | None = None,
) -> list[Mention]:
    """Stored mentions with their schools, newest first, by when published (or first seen).

    `since` keeps those published (or first seen) at or after it; `label` those carrying it;
    `search` those whose title, text or author contains it (any case, taken literally).
    `school` those about that school (any of them, if several).
    """
    sql, parameters = listing_query(
        reader.dialect,
        source=source,
        since=since,
        label=label,
        limit=limit,
        search=search,
        school=school,
    )
    found = [mention_from_row(row) for row in reader.rows(sql, parameters)]
    return with_schools(reader, found)


def listing_query(
    dialect: str,
    *,
    source: str | None = None,
    since: datetime | None = None,
    label: str | None = None,
    limit: int | None = None,
    search: str | None = None,
    school: Schools | None = None,
) -> tuple[str, list[Any]]:
    """The SELECT of `list_mentions` and its parameters (apart, for reading its query plan)."""
    place = mark(dialect)
    conditions: list[str] = []
    parameters: list[Any] = []
    if source is not None:
        conditions.append(f"mention.source = {place}")
        parameters.append(source)
    if since is not None:
        conditions.append(f"{WHEN} >= {place}")
        parameters.append(bind_time(dialect, since))
    if label is not None:
        conditions.append(has_label(dialect))
        parameters.append(label)
    if search:
        condition, values = contains(dialect, search, ("title", "text", "author"))
        conditions.append(condition)
        parameters.extend(values)
    if school is not None:
        condition, values = about(dialect, school)
        conditions.append(condition)
        parameters.extend(values)
    sql = "SELECT mention.* FROM mention"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    sql += f" ORDER BY {WHEN} DESC, mention.id DESC"
    if limit is not None:
        sql += f" LIMIT {place}"
        parameters.append(int(limit))
    return sql, parameters


def count_by_source(reader: Reader, school: Schools | None = None) -> dict[str, int]:
    """Number of stored mentions (about `school`, if given) per source name; none: absent."""
    sql = "SELECT mention.source AS source, count(*) AS n FROM mention"
    parameters: list[str] = []
    if school is not None:
        condition, parameters = about(reader.dialect, school)
        sql += f" WHERE {condition}"
    rows = reader.rows(sql + " GROUP BY mention.source", parameters)
    return {row["source"]: int(row["n"]) for row in rows}


def has_label(dialect: str) -> str:
    """A condition (one placeholder: the label) true for mentions whose labels hold it."""
    if dialect == "postgresql":
        # Containment of a one-element array: JSONB's `?` operator would read as a placeholder.
        return "CAST(mention.labels AS JSONB) @> jsonb_build_array(CAST(%s AS TEXT))"
    return "EXISTS (SELECT 1 FROM json_each(mention.labels) WHERE json_each.value = ?)"


def contains(dialect: str, search: str, columns: Sequence[str]) -> tuple[str, list[str]]:
    """A condition true when any of `columns` contains `search`, any case, taken literally."""
    # An escape character, so "%" and "_" typed by a person match themselves.
    pattern = "%" + re.sub(r"([\\%_])", r"\\\1", search) + "%"
    place = mark(dialect)
    if dialect == "postgresql":
        tests = [f"mention.{column} ILIKE {place} ESCAPE '\\'" for column in columns]
    else:  # SQLite's LIKE ignores case only in ASCII; lower() on both sides, as SQLAlchemy does
        tests = [f"lower(mention.{column}) LIKE lower({place}) ESCAPE '\\'" for column in columns]
    return "(" + " OR ".join(tests) + ")", [pattern] * len(columns)


def about(dialect: str, school: Schools) -> tuple[str, list[str]]:
    """A condition on `mention` rows: the mention is about `school` (any of them)."""
    wanted = [school] if isinstance(school, str) else sorted(set(school))
    places = marks(dialect, len(wanted))
    inner = f"SELECT mention_id FROM mention_school WHERE school IN ({places})"  # noqa: S608
    return f"mention.id IN ({inner})", wanted


def schools_of(reader: Reader, mention_ids: Collection[int]) -> dict[int, tuple[str, ...]]:
    """mention id -> its school ids, sorted (mentions about no school are absent)."""
    found: dict[int, list[str]] = {}
    ids = sorted(set(mention_ids))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        places = marks(reader.dialect, len(batch))
        rows = reader.rows(
            "SELECT mention_id, school FROM mention_school"  # noqa: S608 (placeholders only)
            f" WHERE mention_id IN ({places}) ORDER BY mention_id, school",
            batch,
        )
        for row in rows:
            found.setdefault(row["mention_id"], []).append(row["school"])
    return {mention_id: tuple(schools) for mention_id, schools in found.items()}


def with_schools(reader: Reader, found: Sequence[Mention]) -> list[Mention]:
    """`found` with each mention's schools filled in."""
    schools = schools_of(reader, [item.id for item in found])
    return [replace(item, schools=schools.get(item.id, ())) for item in found]


def mention_from_row(row: Mapping[Any, Any]) -> Mention:
    """A Mention rebuilt from a full mention row; StorageError when its stored facts are invalid.

    `row` maps column names to values: SQLAlchemy's RowMapping or a plain dict of the driver's.
    """
    extra = dict(json_value(row["extra"]))
    first_seen, updated = utc_time(row["first_seen_at"]), utc_time(row["updated_at"])
    if first_seen is None or updated is None:  # NOT NULL columns: a row from elsewhere
        raise StorageError(f"mention {row['id']}: no first_seen_at or updated_at")
    return Mention(
        id=row["id"],
        source=row["source"],
        source_type=row["source_type"],
        item_type=row["item_type"],
        external_id=row["external_id"],
        url=row["url"],
        title=row["title"],
        author=row["author"],
        text=row["text"],
        rating=row["rating"],
        published_at=utc_time(row["published_at"]),
        first_seen_at=first_seen,
        updated_at=updated,
        version=row["version"],
        parent_external_id=row["parent_external_id"],
        sentiment=sentiment_from_row(row),
        labels=tuple(json_value(row["labels"])),
        extra={key: value for key, value in extra.items() if key != FACTS_KEY},
        baseline=bool(row["baseline"]),
        visibility=Visibility(row["visibility"]),
        facts=stored_facts(row["id"], extra),
    )


def stored_facts(mention_id: int, extra: Mapping[str, Any]) -> Facts | None:
    """The typed facts kept in a mention's extra: None when it has none, StorageError if invalid.

    Never a default in place of a bad field: facts a rule reads must be there or be refused.
    """
    if FACTS_KEY not in extra:
        return None  # the adapter handed on no facts for this mention
    try:
        return facts_from_json(extra[FACTS_KEY])
    except FactsError as error:
        raise StorageError(f"mention {mention_id}: {error}") from None


def sentiment_from_row(row: Mapping[Any, Any]) -> Sentiment | None:
    """The stored Sentiment, or None for a mention that was never scored."""
    if row["sentiment_compound"] is None:
        return None
    words = row["sentiment_words"]
    return Sentiment(
        compound=row["sentiment_compound"],
        pos=row["sentiment_pos"],
        neu=row["sentiment_neu"],
        neg=row["sentiment_neg"],
        most_negative=(
            row["sentiment_compound"]
            if row["sentiment_most_negative"] is None
            else row["sentiment_most_negative"]
        ),
        most_negative_sentence=row["sentiment_most_negative_sentence"] or "",
        words=tuple(json_value(words) if words is not None else ()),
        p_negative=row["sentiment_p_negative"],
        p_positive=row["sentiment_p_positive"],
    )
