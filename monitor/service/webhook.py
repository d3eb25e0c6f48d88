"""The webhook receiver: a small Starlette app that stores what services push to us.

    GET  /<path>/<source name>   the service's subscription handshake: the receiver's answer
                                 (Meta: echo hub.challenge if hub.verify_token matches), else 403
    POST /<path>/<source name>   a delivery: 403 (nothing stored) unless the receiver finds it
                                 authentic (Meta: X-Hub-Signature-256 matches the raw body);
                                 then each change is applied and stored like a polled item, in
                                 one transaction, and the answer is 200

Every enabled source whose adapter declares a webhook (`Capabilities.webhook`: its path, and
its receiver, which exists only when the source has the settings it needs) is served; today
that is the Facebook Page (`/facebook/<source name>`, sources/facebook_page/webhook.py). This
module knows no service: what a delivery says, and what each change makes of the stored
mention, are the receiver's (for the Page: a new post or comment is stored, an edit is a new
version of its mention, a hide, unhide or removal sets its visibility). A duplicate delivery
changes nothing.

The body is read as it arrives, before anything else is done with it: more than MAX_DELIVERY
bytes is 413 and the connection is closed without reading the rest; a body not received
within `body_timeout` seconds is 408, closed likewise. (A request whose head never completes
is closed by the server: `monitor.service.web_server`.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from monitor.config.settings import Config
from monitor.model import Item
from monitor.scan.ingest import AlertHook, Ingest
from sources.base import adapter_for
from sources.capabilities import PushedChange, WebhookReceiver
from sources.errors import SourceFormatError
from storage import mentions
from storage.database import Store
from storage.safe_text import safe_item

log = logging.getLogger(__name__)

MAX_DELIVERY = 1024 * 1024  # bytes; Meta's deliveries are a few kilobytes
BODY_TIMEOUT = 10.0  # seconds to receive a whole delivery's body
# Sent with 408 and 413: uvicorn would otherwise read (and drop) the rest of the body to keep
# the connection for another request; closed, the rest is never read.
CLOSE = {"Connection": "close"}


class BodyTooLargeError(Exception):
    """The request body is longer than the cap."""


@dataclass(frozen=True, slots=True)
class WebhookSource:
    """A configured source the app serves, at /<path>/<name>, with its adapter's receiver."""

    name: str
    path: str
    receiver: WebhookReceiver


@dataclass(frozen=True, slots=True)
class Stored:
    """What one delivery stored: new mentions, changed ones, and changes that changed nothing."""

    new: int
    updated: int
    skipped: int


def webhook_sources(config: Config) -> dict[str, WebhookSource]:
    """By name, the enabled sources whose adapter takes a webhook and that have its settings."""
    found: dict[str, WebhookSource] = {}
    for name, source in config.sources.items():
        webhook = adapter_for(source.type).capabilities.webhook
        receiver = webhook.receiver(source) if webhook is not None and source.enabled else None
        if webhook is not None and receiver is not None:
            found[name] = WebhookSource(name, webhook.path, receiver)
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

    def store_changes(self, source: str, changes: Sequence[PushedChange]) -> Stored:
        """Apply the changes to the stored mentions and store the result in ONE transaction."""
        ids = {change.item.external_id for change in changes}
        with self.store.transaction(read_only=True) as tx:
            current: dict[str, Item | None] = {
                external_id: replace(mention.as_item(), baseline=False)
                for external_id, mention in mentions.find(tx, source, ids).items()
            }
            known = mentions.existing_hashes(tx, source, ids)
            changed: dict[str, Item] = {}
            # In delivery order: an edit then a hide of one comment in one delivery are both kept.
            for change in changes:
                external_id = change.item.external_id
                item = change.apply(current.get(external_id))
                if item is not None:
                    current[external_id] = changed[external_id] = safe_item(item)
            fresh = [
                item
                for external_id, item in changed.items()
                if known.get(external_id) != mentions.content_hash(item)
            ]
            # The rules read the mention volume and an edit's old text as for a polled item.
            inputs = self.ingest.rule_inputs(tx, source, fresh, known, self.clock())
        source_type = self.config.sources[source].type
        scored = self.ingest.score(source, source_type, fresh, known, False, inputs)
        with self.store.transaction() as tx:
            written = self.ingest.write(tx, source, source_type, scored, False, self.clock())
        skipped = len(changes) - written.new - written.updated
        return Stored(new=written.new, updated=written.updated, skipped=skipped)


def create_app(
    config: Config,
    store: Store,
    clock: Callable[[], datetime] | None = None,
    *,
    body_timeout: float = BODY_TIMEOUT,
) -> Starlette:
    """The ASGI app serving every source of `config` that takes a webhook (webhook_sources)."""
    sources = {(each.path, each.name): each for each in webhook_sources(config).values()}
    deliveries = DeliveryStore(config, store, clock)

    async def receive(request: Request) -> Response:
        source = sources.get((request.path_params["path"], request.path_params["source"]))
        if source is None:
            return PlainTextResponse("no such webhook", status_code=404)
        if request.method == "GET":
            return verify(request.query_params, source)
        return await deliver(request, source, deliveries, body_timeout)

    return Starlette(routes=[Route("/{path}/{source}", receive, methods=["GET", "POST"])])


def verify(query: Mapping[str, str], source: WebhookSource) -> Response:
    """The service's subscription handshake: 200 with the receiver's answer, or 403."""
    answer = source.receiver.verify(query)
    if answer is None:
        log.warning("webhook %s: verification refused (wrong mode or verify token)", source.name)
        return PlainTextResponse("forbidden", status_code=403)
    return PlainTextResponse(answer)


async def deliver(
    request: Request, source: WebhookSource, deliveries: DeliveryStore, body_timeout: float
) -> Response:
    """Check the signature of a delivery, then store its items; 403 stores nothing."""
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_DELIVERY:
        return PlainTextResponse("too large", status_code=413, headers=CLOSE)
    try:
        body = await read_body(request, MAX_DELIVERY, body_timeout)
    except BodyTooLargeError:
        log.warning("webhook %s: delivery refused: body over %d bytes", source.name, MAX_DELIVERY)
        return PlainTextResponse("too large", status_code=413, headers=CLOSE)
    except TimeoutError:
        log.warning("webhook %s: delivery body not received in %gs", source.name, body_timeout)
        return PlainTextResponse("request timeout", status_code=408, headers=CLOSE)
    except ClientDisconnect:
        return PlainTextResponse("client went away", status_code=400)
    if not source.receiver.authentic(body, request.headers):
        log.warning("webhook %s: delivery refused: bad or missing signature", source.name)
        return PlainTextResponse("forbidden", status_code=403)
    try:
        changes = source.receiver.changes(body)
    except SourceFormatError as error:
        log.warning("webhook %s: delivery not understood: %s", source.name, error)
        return PlainTextResponse("bad delivery", status_code=400)
    # Scoring is CPU work and storage blocks: neither may hold up the event loop.
    stored = await asyncio.to_thread(deliveries.store_changes, source.name, changes)
    log.info(
        "webhook %s: %d new, %d updated, %d changed nothing",
        source.name,
        stored.new,
        stored.updated,
        stored.skipped,
    )
    return PlainTextResponse("ok")


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The body as it arrives: BodyTooLargeError past `limit` bytes, TimeoutError after `timeout`.

    Chunked bodies declare no length, so the cap is counted as the bytes come in; the server
    reads no further than the chunk that crossed it.
    """
    body = bytearray()
    async with asyncio.timeout(timeout):
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise BodyTooLargeError
    return bytes(body)
