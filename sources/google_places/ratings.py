"""New ratings Google counts but does not show: the rating count rose, no new review is visible.

Place Details shows at most five "most relevant" reviews, so a new low review may never appear.
Each poll compares `userRatingCount` with the last poll's: the rise, less the reviews that newly
appeared and were published since the last poll, is the number of new ratings not shown. The
cursor keeps this poll's figure (`unseen_new_ratings`) and a log of non-zero figures
(`unseen_log`: [time, count] pairs, newest last) from which the digest sums its window.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from monitor.times import utc_iso
from sources.common.times import saved_time
from sources.google_places.parse import Place

# Google shows a review some time after it is written: one published shortly before the last
# poll may become visible only now, and is still a new one.
PUBLISH_LAG = timedelta(days=1)
UNSEEN_LOG_LENGTH = 100


def unseen_new_ratings(previous: Mapping[str, Any], place: Place) -> int:
    """How many ratings were added since the last poll that no newly visible review accounts for."""
    count_before = previous.get("rating_count")
    if not isinstance(count_before, int) or place.user_rating_count is None:
        return 0  # the first poll, or Google gave no count: nothing to compare
    seen = set(previous.get("review_names") or ())
    polled_at = saved_time(previous.get("polled_at"))
    visible = [
        review
        for review in place.reviews
        if review.name not in seen
        and (polled_at is None or review.publish_time is None
             or review.publish_time >= polled_at - PUBLISH_LAG)
    ]  # fmt: skip
    return max(0, place.user_rating_count - count_before - len(visible))


def next_cursor(previous: Mapping[str, Any], place: Place, now: datetime) -> dict[str, Any]:
    """The cursor to save after this poll: shown review names, the count, the unseen tally."""
    unseen = unseen_new_ratings(previous, place)
    log = [entry for entry in previous.get("unseen_log") or () if isinstance(entry, list)]
    if unseen:
        log.append([utc_iso(now, "seconds"), unseen])
    return {
        "review_names": sorted(review.name for review in place.reviews),
        "rating_count": place.user_rating_count,
        "rating": place.rating,
        "polled_at": utc_iso(now, "seconds"),
        "unseen_new_ratings": unseen,
        "unseen_log": log[-UNSEEN_LOG_LENGTH:],
    }


def unseen_in_window(cursor: Mapping[str, Any], start: datetime, end: datetime) -> int:
    """New ratings not shown by Google recorded by polls in [start, end), from a saved cursor."""
    total = 0
    for entry in cursor.get("unseen_log") or ():
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], int)):
            continue
        moment = saved_time(entry[0])
        if moment is not None and start <= moment < end:
            total += entry[1]
    return total
