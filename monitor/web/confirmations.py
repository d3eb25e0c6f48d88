"""One-time tokens for the confirmation of a write at a source: a double submit posts once.

    token = confirmations.issue(user_id, alert_id, "reply", text)    # on the confirmation page
    confirmations.claim(token, user_id, alert_id, "reply", text)     # before the write; once

A token is bound to the user, the alert, the action and the exact words shown on the
confirmation page (their SHA-256), so the form cannot send other words than the person read.
`claim` spends it before anything is sent: a second POST of the same form (a double click, a
reload, a retry by the browser) finds it spent and sends nothing. Tokens live in this process's
memory (`monitor web` is one process): after a restart a confirmation has to be given again,
which fails safe. They expire after CONFIRM_WITHIN; spent ones are kept as long, so a late
second POST is told it was already sent rather than that it expired.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

CONFIRM_WITHIN = timedelta(minutes=30)
# Pending and spent tokens kept at most; the oldest go first (a signed-in user could ask for
# confirmation pages in a loop, and memory must not grow with that).
MAX_KEPT = 2000


class Claim(StrEnum):
    """What became of a claimed token."""

    GRANTED = "granted"  # valid, now spent: go ahead and send
    SPENT = "spent"  # used before: send nothing again
    EXPIRED = "expired"  # unknown, too old, or issued before a restart
    MISMATCH = "mismatch"  # not for this user, alert, action or these words


@dataclass(slots=True)
class Pending:
    """What one confirmation page showed, and whether its form was used."""

    user_id: int
    alert_id: int
    action: str
    digest: str
    issued_at: datetime
    spent: bool = False


def digest_of(text: str | None) -> str:
    """SHA-256 of the words confirmed ("" for an action without words)."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


class Confirmations:
    """The tokens issued by this process.

    Called from the event loop only, with no await between looking a token up and spending
    it, so two requests cannot both find it unspent.
    """

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.kept: dict[str, Pending] = {}

    def issue(self, user_id: int, alert_id: int, action: str, text: str | None) -> str:
        """A fresh token for one confirmation page."""
        self.forget_old()
        token = secrets.token_urlsafe(32)
        self.kept[token] = Pending(user_id, alert_id, action, digest_of(text), self.clock())
        return token

    def claim(
        self, token: str, user_id: int, alert_id: int, action: str, text: str | None
    ) -> Claim:
        """Spend `token` if it confirms exactly this; else say why not (nothing is spent)."""
        self.forget_old()
        pending = self.kept.get(token)
        if pending is None:
            return Claim.EXPIRED
        if (pending.user_id, pending.alert_id, pending.action) != (user_id, alert_id, action):
            return Claim.MISMATCH
        if pending.spent:
            return Claim.SPENT
        if pending.digest != digest_of(text):
            return Claim.MISMATCH
        pending.spent = True
        return Claim.GRANTED

    def forget_old(self) -> None:
        """Drop tokens older than CONFIRM_WITHIN, then the oldest beyond MAX_KEPT."""
        oldest_kept = self.clock() - CONFIRM_WITHIN
        for token in [t for t, p in self.kept.items() if p.issued_at < oldest_kept]:
            del self.kept[token]
        while len(self.kept) >= MAX_KEPT:
            del self.kept[next(iter(self.kept))]  # dicts keep insertion order: the oldest
