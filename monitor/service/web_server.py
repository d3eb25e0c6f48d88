"""uvicorn as every inward-facing server of the monitor runs it, with limits a public port needs.

    config = server_config(app, host, port)      # then uvicorn.Server(config).run()

- A request's head (request line and headers) must arrive within `head_timeout` seconds of the
  connection opening, or of the previous response on a kept-alive connection; otherwise the
  connection is closed. uvicorn has no such deadline of its own: its keep-alive timeout stops
  at the first byte received, so a client trickling a header a byte at a time would hold a
  connection (and a file descriptor) for ever.
- A head larger than MAX_HEAD bytes is refused by h11 with 400.
- A body is the app's to read: `monitor.service.webhook` streams it, under a cap and a deadline.
- HTTP/1.1 by h11 only (no websockets); no access log, whose request lines would carry query
  strings (the webhook's verify token is one).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

HEAD_TIMEOUT = 10.0  # seconds
MAX_HEAD = 16 * 1024  # bytes of request line and headers
KEEP_ALIVE = 5  # seconds an idle kept-alive connection stays open


class HeadDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request head is late."""

    head_timeout: ClassVar[float] = HEAD_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_deadline: asyncio.TimerHandle | None = None
        self.waiting_since: object = None  # the request cycle in place when the wait began

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.await_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.head_deadline is not None and self.cycle is not self.waiting_since:
            self.stop_waiting()  # a new request began: its head is complete

    def on_response_complete(self) -> None:
        finished = self.cycle
        super().on_response_complete()
        # Unless a pipelined request has already begun, the next head is awaited from now.
        if self.cycle is finished and not self.transport.is_closing():
            self.await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_waiting()
        super().connection_lost(exc)

    def await_head(self) -> None:
        """Start the deadline for the next request's head."""
        self.stop_waiting()
        self.waiting_since = self.cycle
        self.head_deadline = self.loop.call_later(self.head_timeout, self.head_too_late)

    def stop_waiting(self) -> None:
        """Cancel the deadline."""
        if self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None

    def head_too_late(self) -> None:
        """Close the connection: no complete request head arrived in time."""
        self.head_deadline = None
        if not self.transport.is_closing():
            log.info("connection closed: no request head within %gs", self.head_timeout)
            self.transport.close()


def head_deadline_protocol(head_timeout: float) -> type[HeadDeadlineProtocol]:
    """HeadDeadlineProtocol with its own deadline (uvicorn builds protocols from a class)."""

    class Protocol(HeadDeadlineProtocol):
        pass

    Protocol.head_timeout = head_timeout
    return Protocol


def server_config(
    app: Any, host: str, port: int, *, head_timeout: float = HEAD_TIMEOUT
) -> uvicorn.Config:
    """The uvicorn config for serving `app` on host:port (port 0: any free port)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=head_deadline_protocol(head_timeout),
        ws="none",
        h11_max_incomplete_event_size=MAX_HEAD,
        timeout_keep_alive=KEEP_ALIVE,
        lifespan="off",
        # Our logging (secrets masked) instead of uvicorn's.
        log_config=None,
        access_log=False,
    )
