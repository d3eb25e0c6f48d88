"""Lift Wing revert-risk scores for new revisions: a probability, or no score with the reason.

No score is never read as low risk: a model that has moved (404/410, as the api.wikimedia.org
routes are being retired) or any failure leaves `revert_risk` as None. After the model is gone,
or the service fails, the rest of the poll does not ask again.
"""

from __future__ import annotations

import logging

from sources.errors import SourceError, SourceFormatError
from sources.http import PoliteClient
from sources.wikipedia.items import RevertRisk
from sources.wikipedia.parse import Revision, parse_revert_risk

log = logging.getLogger(__name__)

# Answers that concern one revision (e.g. a page creation Lift Wing cannot score); others go on.
_REVISION_STATUSES = (400, 422)
_GONE_STATUSES = (404, 410)


class RevertRiskScorer:
    """Asks the revert-risk model about one revision at a time, for one poll."""

    def __init__(self, http: PoliteClient, url: str, language: str) -> None:
        self._http = http
        self._url = url
        self._language = language
        self._stopped: str | None = None if url else "off"
        self.requests = 0

    def skipped(self, note: str) -> RevertRisk:
        """No score because the revision was not sent (baseline, or the scorer is off)."""
        return RevertRisk(None, self._stopped or note)

    async def score(self, revision: Revision) -> RevertRisk:
        """The revision's revert probability, or None with why there is none."""
        if self._stopped is not None:
            return RevertRisk(None, self._stopped)
        if revision.parentid == 0:
            return RevertRisk(None, "page creation: not scored")
        self.requests += 1
        try:
            response = await self._http.post(
                self._url,
                json={"rev_id": revision.revid, "lang": self._language},
                label="revert-risk",
                ok_statuses=_REVISION_STATUSES + _GONE_STATUSES,
            )
        except SourceError as error:
            self._stopped = f"no score: {error}"
            log.warning("revert-risk unavailable for this poll: %s", error)
            return RevertRisk(None, self._stopped)
        if response.status in _GONE_STATUSES:
            self._stopped = f"no score: model unavailable (HTTP {response.status})"
            log.warning(
                "revert-risk model unavailable (HTTP %d): check revert_risk_url", response.status
            )
            return RevertRisk(None, self._stopped)
        if response.status != 200:
            return RevertRisk(None, f"no score: HTTP {response.status}")
        try:
            return RevertRisk(parse_revert_risk(response.json()), "scored")
        except SourceFormatError as error:
            return RevertRisk(None, f"no score: {error}")
