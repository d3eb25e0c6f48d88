"""Which schools a visitor sees: the school filter's choices, and a user's limit to some schools.

A config with several `[schools.<id>]` tables offers a school filter on the lists; a user added
with `monitor users add … --school ID` sees only what is about those schools (alerts about no
school, such as a source's health, are then not theirs either), and is offered only those.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.config.settings import Config
from monitor.model import User
from storage import schools as stored_schools
from storage.database import Store
from storage.schools import Schools


def choices(config: Config, user: User) -> list[tuple[str, str]]:
    """(id, name) of the schools the filter offers `user`; none when the config has one school."""
    if len(config.school_tables) < 2:
        return []
    return [
        (school_id, table.name)
        for school_id, table in config.school_tables.items()
        if not user.schools or school_id in user.schools
    ]


def chosen(config: Config, user: User, value: str | None) -> str:
    """The school id picked in the filter if `user` may pick it, else "" (every school)."""
    offered = {school_id for school_id, _ in choices(config, user)}
    return value if value in offered else ""


def scope(user: User, picked: str) -> Schools | None:
    """What the lists show `user`: the picked school, else their schools, else every school."""
    if picked:
        return picked
    return tuple(user.schools) or None


def may_see_alert(store: Store, user: User, alert_id: int) -> bool:
    """True unless `user` is limited to schools the alert (if it exists) is not about."""
    if not user.schools:
        return True
    with store.transaction(read_only=True) as tx:
        return stored_schools.alert_exists_about(tx, alert_id, user.schools)


def may_see_alerts(store: Store, user: User, alert_ids: Sequence[int]) -> bool:
    """True if `user` may see every one of `alert_ids` (see `may_see_alert`)."""
    if not user.schools:
        return True
    with store.transaction(read_only=True) as tx:
        return all(stored_schools.alert_exists_about(tx, i, user.schools) for i in alert_ids)
