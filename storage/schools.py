"""Which schools each mention is about (`mention_school`), and conditions that filter by school.

A trust watches several schools from one deployment: the scan attributes each mention to the
schools it names (monitor.scan.attribution) and stores that here in the same transaction as the
mention. An alert is about the schools of its mention; a source-health alert is about none.
Reading a mention's schools, and the listing's filter by school, are plain SQL in
storage.mention_reading (which `monitor mentions` runs without SQLAlchemy).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from monitor.model import Alert
from storage.database import Transaction
from storage.mention_reading import BATCH, schools_of
from storage.mention_reading import Schools as Schools  # callers of this module's filters name it
from storage.schema import alert, mention, mention_school


def set_schools(tx: Transaction, attributions: Mapping[int, Sequence[str]]) -> None:
    """Make each mention's schools exactly those given (mention id -> school ids)."""
    ids = list(attributions)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        tx.connection.execute(
            sa.delete(mention_school).where(mention_school.c.mention_id.in_(batch))
        )
    rows = [
        {"mention_id": mention_id, "school": school}
        for mention_id, schools in attributions.items()
        for school in dict.fromkeys(schools)
    ]
    if rows:
        tx.connection.execute(sa.insert(mention_school), rows)


def of_external_ids(
    tx: Transaction, source: str, external_ids: Collection[str]
) -> dict[str, tuple[str, ...]]:
    """external_id -> school ids of those of `external_ids` stored for `source` (a thread's)."""
    found: dict[str, list[str]] = {}
    ids = sorted(set(external_ids))
    for start in range(0, len(ids), BATCH):
        rows = tx.connection.execute(
            sa.select(mention.c.external_id, mention_school.c.school)
            .join(mention_school, mention_school.c.mention_id == mention.c.id)
            .where(
                mention.c.source == source, mention.c.external_id.in_(ids[start : start + BATCH])
            )
            .order_by(mention.c.external_id, mention_school.c.school)
        )
        for external_id, school in rows:
            found.setdefault(external_id, []).append(school)
    return {external_id: tuple(schools) for external_id, schools in found.items()}


def mentions_of(school: Schools) -> sa.Select[Any]:
    """The ids of the mentions about `school` (any of them, if several), for IN (...)."""
    query = sa.select(mention_school.c.mention_id)
    if isinstance(school, str):
        return query.where(mention_school.c.school == school)
    return query.where(mention_school.c.school.in_(sorted(set(school))))


def mention_is_about(school: Schools) -> sa.ColumnElement[bool]:
    """A condition on `mention` rows: the mention is about `school` (any of them)."""
    return mention.c.id.in_(mentions_of(school))


def alert_is_about(school: Schools) -> sa.ColumnElement[bool]:
    """A condition on `alert` rows: the alert's mention is about `school` (any of them)."""
    return alert.c.mention_id.in_(mentions_of(school))


def alerts_with_schools(tx: Transaction, found: Sequence[Alert]) -> list[Alert]:
    """`found` with each alert's schools (its mention's) filled in."""
    schools = schools_of(tx, [item.mention_id for item in found if item.mention_id is not None])
    return [
        replace(item, schools=schools.get(item.mention_id, ()) if item.mention_id else ())
        for item in found
    ]


def alert_exists_about(tx: Transaction, alert_id: int, school: Schools) -> bool:
    """True if alert `alert_id` exists and is about `school` (any of them)."""
    query = sa.select(alert.c.id).where(alert.c.id == alert_id, alert_is_about(school))
    return tx.connection.execute(query).first() is not None
