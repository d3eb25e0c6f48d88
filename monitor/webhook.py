"""The Facebook Page webhook receiver: a small Starlette app that stores what Meta pushes.

    GET  /facebook/<source name>   Meta's verification: echo hub.challenge if hub.verify_token
                                   matches the source's verify token, else 403
    POST /facebook/<source name>   a signed `feed` delivery: 403 (nothing stored) unless
                                   X-Hub-Signature-256 matches the raw body; then each new post
                                   or comment is scored and stored like a polled one, in one
                                   transaction, and the answer is 200

Only Facebook Page sources (their adapter declares a webhook) with both `app_secret_*` and
`verify_token_*` are served.
A mention already stored (a duplicate delivery, or one the poll found first) is left as it is:
edits, hides and removals are picked up by the next poll, which sees the whole comment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from monitor.config import Config
from monitor.ingest import AlertHook, Ingest
from monitor.secrets import Secret
from sources.base import adapter_for
from sources.errors import SourceFormatError
from sources.facebook_page import FacebookPageConfig
from sources.facebook_page.webhook import (
    WebhookChange,
    parse_delivery,
    signature_valid,
    verify_subscription,
)
from storage import mentions
from storage.database import Store
from storage.safe_text import safe_item

log = logging.getLogger(__name__)

MAX_DELIVERY = 1024 * 1024  # bytes; Meta's deliveries are a few kilobytes


@dataclass(frozen=True, slots=True)
class WebhookSource:
    """A configured Page the receiver serves, with its two webhook secrets."""

    name: str
    page_id: str
    app_secret: Secret
    verify_token: Secret


@dataclass(frozen=True, slots=True)
class Stored:
    """What one delivery stored."""

    new: int
    skipped: int


def webhook_sources(config: Config) -> dict[str, WebhookSource]:
    """The Facebook Page sources that have both an app secret and a verify token."""
    found: dict[str, WebhookSource] = {}
    for name, source in config.sources.items():
        if not source.enabled or not adapter_for(source.type).capabilities.webhook:
            continue
        if not isinstance(source, FacebookPageConfig):
            continue  # this receiver speaks Meta's webhook protocol only
        app_secret, verify_token = source.secret("app_secret"), source.secret("verify_token")
        if app_secret is not None and verify_token is not None:
            found[name] = WebhookSource(name, source.page_id, app_secret, verify_token)
    return found


class DeliveryStore:
    """Scores and stores webhook items exactly as the scan stores polled ones."""

    def __init__(
        self,
        config: Config,
        store: Store,
        clock: Callable[[], datetime] | None = None,
        on_alerts: AlertHook | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.ingest = Ingest(config, on_alerts)
        self.clock = clock or (lambda: datetime.now(UTC))

    def store_changes(self, source: str, changes: Sequence[WebhookChange]) -> Stored:
        """Store the items not stored yet, with their scores and alerts, in ONE transaction."""
        latest = {change.item.external_id: safe_item(change.item) for change in changes}
        with self.store.transaction(read_only=True) as tx:
            known = mentions.existing_hashes(tx, source, list(latest))
            # A mention already stored is left for the poll, which sees the whole comment.
            fresh = [item for external_id, item in latest.items() if external_id not in known]
            # The rules read the mention volume as for a polled item (volume_spike).
            inputs = self.ingest.rule_inputs(tx, source, fresh, known, self.clock())
        source_type = self.config.sources[source].type
        scored = self.ingest.score(source, source_type, fresh, known, False, inputs)
        with self.store.transaction() as tx:
            written = self.ingest.write(tx, source, source_type, scored, False, self.clock())
        return Stored(new=written.new, skipped=len(changes) - written.new)


def create_app(
    config: Config, store: Store, clock: Callable[[], datetime] | None = None
) -> Starlette:
    """The ASGI app serving every webhook-enabled Facebook Page source of `config`."""
    sources = webhook_sources(config)
    deliveries = DeliveryStore(config, store, clock)

    async def receive(request: Request) -> Response:
        source = sources.get(request.path_params["source"])
        if source is None:
            return PlainTextResponse("no such webhook", status_code=404)
        if request.method == "GET":
            return verify(request.query_params, source)
        return await deliver(request, source, deliveries)

    return Starlette(routes=[Route("/facebook/{source}", receive, methods=["GET", "POST"])])


def verify(query: Mapping[str, str], source: WebhookSource) -> Response:
    """Meta's subscription handshake: 200 with the challenge, or 403."""
    challenge = verify_subscription(query, source.verify_token)
    if challenge is None:
        log.warning("webhook %s: verification refused (wrong mode or verify token)", source.name)
        return PlainTextResponse("forbidden", status_code=403)
    return PlainTextResponse(challenge)


async def deliver(request: Request, source: WebhookSource, deliveries: DeliveryStore) -> Response:
    """Check the signature of a delivery, then store its items; 403 stores nothing."""
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_DELIVERY:
        return PlainTextResponse("too large", status_code=413)
    body = await request.body()
    if len(body) > MAX_DELIVERY:
        return PlainTextResponse("too large", status_code=413)
    if not signature_valid(body, request.headers.get("X-Hub-Signature-256"), source.app_secret):
        log.warning("webhook %s: delivery refused: bad or missing signature", source.name)
        return PlainTextResponse("forbidden", status_code=403)
    try:
        changes = parse_delivery(body, source.page_id)
    except SourceFormatError as error:
        log.warning("webhook %s: delivery not understood: %s", source.name, error)
        return PlainTextResponse("bad delivery", status_code=400)
    # Scoring is CPU work and storage blocks: neither may hold up the event loop.
    stored = await asyncio.to_thread(deliveries.store_changes, source.name, changes)
    log.info("webhook %s: %d new, %d already stored", source.name, stored.new, stored.skipped)
    return PlainTextResponse("ok")
