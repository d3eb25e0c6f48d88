"""Text that may be kept only for a while (Google Places reviews): blanked once it expires.

A mention with `text_expires_at` in the past keeps its id, rating, times, link, labels, `extra`
and derived scores (compound, pos, neu, neg, most_negative), so counts, trends and the incident
log still work; its text, title, author and the sentiment's quoted sentence and words go, and so
do the text and title of its earlier versions. `content_hash` is kept: the same review fetched
again is still "unchanged" and its text is not stored again.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from storage.database import Transaction
from storage.schema import mention, mention_version


def expired(now: datetime) -> sa.ColumnElement[bool]:
    """Mentions whose text should be gone by `now`."""
    return sa.and_(mention.c.text_expires_at.is_not(None), mention.c.text_expires_at <= now)


def count_expired_text(tx: Transaction, now: datetime) -> int:
    """How many mentions `blank_expired_text` would blank now (for `monitor purge --dry-run`)."""
    query = sa.select(sa.func.count()).select_from(mention).where(expired(now))
    return int(tx.connection.execute(query).scalar_one())


def blank_expired_text(tx: Transaction, now: datetime) -> int:
    """Blank the text of mentions whose `text_expires_at` is at or before `now`; how many."""
    ids = [row.id for row in tx.connection.execute(sa.select(mention.c.id).where(expired(now)))]
    if not ids:
        return 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        tx.connection.execute(
            sa.update(mention_version)
            .where(mention_version.c.mention_id.in_(batch))
            .values(text="", title=None)
        )
        tx.connection.execute(
            sa.update(mention)
            .where(mention.c.id.in_(batch))
            .values(
                text="",
                title=None,
                author=None,
                sentiment_most_negative_sentence=None,
                sentiment_words=sa.null(),
                # Done: a purge that finds nothing to blank reports 0, not these again.
                text_expires_at=None,
            )
        )
    return len(ids)


# Ids per statement: well under SQLite's limit on bound parameters.
BATCH = 500
