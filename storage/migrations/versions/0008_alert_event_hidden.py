"""The incident log may record `hidden` and `unhidden` (a comment hidden on the school's page).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09

`monitor alerts hide|unhide` record what they did as these actions, and a person may record
them by hand. The CHECK constraint on alert_event.action is replaced: on SQLite by rebuilding
alert_event (no table refers to it, so nothing cascades), on PostgreSQL in place.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = (
    "acknowledged",
    "resolved",
    "dismissed",
    "requested_deletion",
    "reported_to_platform",
    "contacted_posh",
    "contacted_police",
    "replied_publicly",
    "note",
)
AFTER = (*BEFORE, "hidden", "unhidden")
NAME = "ck_alert_event_action"


def one_of(values: Sequence[str]) -> str:
    """The CHECK expression allowing `values` in alert_event.action."""
    return "action IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade() -> None:
    """Allow `hidden` and `unhidden`."""
    replace_check(AFTER)


def downgrade() -> None:
    """Record hidden/unhidden entries as notes, then allow only the earlier actions."""
    op.execute(
        "UPDATE alert_event SET note = action || COALESCE(': ' || note, ''), action = 'note'"
        " WHERE action IN ('hidden', 'unhidden')"
    )
    replace_check(BEFORE)


def replace_check(values: Sequence[str]) -> None:
    """Drop the action CHECK and create it again allowing `values`."""
    with op.batch_alter_table("alert_event", recreate="auto") as batch:
        batch.drop_constraint(NAME, type_="check")
        batch.create_check_constraint(NAME, one_of(values))
