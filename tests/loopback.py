"""A real HTTP server on 127.0.0.1 for tests: serves scripted responses and records requests.

    server.route("/feed.xml", Reply(body=b"...", headers={"Content-Type": "application/atom+xml"}))
    server.route("/api", Reply(status=429, headers={"Retry-After": "120"}), Reply(body=b"{}"))

Replies for a path are served in order; the last one repeats. A path with a query string matches
only that exact query; a bare path matches any query. A route given `params` matches requests to
its path whose query holds those parameters (the route naming the most of them wins), so APIs
that answer everything at one path (MediaWiki's api.php) can be scripted per request:

    server.route("/w/api.php", Reply(body=revisions), params={"action": "query", "rvdir": "newer"})

A route given `guard` (a function of the request) answers with the guard's reply whenever it
returns one, before any scripted reply is used, so a test server can refuse what the real
service refuses (tests/sources/common/token_endpoint.py: a token endpoint refuses JSON).

Faults a real service can show:
`delay` (seconds before headers), `trickle` (seconds between body chunks), `truncate` (promise
more bytes than are sent, then close), `gzip_bomb` (a small gzip body that inflates to many bytes).
`hold` (a threading.Event) keeps the reply back until the test sets it, so a test can see what a
client does while one request is still in flight without relying on timing.
"""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"
HOST = "127.0.0.1"


@dataclass
class Reply:
    """One scripted response."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    trickle: float = 0.0
    truncate: bool = False
    gzip_bomb: int = 0  # inflated size in bytes; the body is replaced by zeros compressed
    # Return 304 when the request carries this ETag in If-None-Match.
    etag: str | None = None
    # Wait (at most 10 s) for this event before answering.
    hold: threading.Event | None = None

    @classmethod
    def fixture(cls, relative: str, content_type: str, **kwargs: object) -> Reply:
        """A 200 reply whose body is `tests/fixtures/<relative>`."""
        headers = {"Content-Type": content_type, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return cls(body=(FIXTURES / relative).read_bytes(), headers=headers, **kwargs)  # type: ignore[arg-type]


@dataclass
class Request:
    """A request the server received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def target(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")


class LoopbackServer:
    """A threaded HTTP/1.1 server on an ephemeral loopback port."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        # Called (in the server's thread) with each request as it arrives, before it is answered.
        self.on_request: Callable[[Request], None] | None = None
        self._routes: dict[str, list[Reply]] = {}
        self._param_routes: list[tuple[str, dict[str, str], list[Reply]]] = []
        self._guards: dict[str, Callable[[Request], Reply | None]] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                server._serve(self)

            def do_POST(self) -> None:
                server._serve(self)

            def do_HEAD(self) -> None:
                server._serve(self)

            def do_PUT(self) -> None:
                server._serve(self)

            def do_DELETE(self) -> None:
                server._serve(self)

        self._httpd = _Server((HOST, 0), Handler)
        self._httpd.daemon_threads = True
        # A short poll interval lets stop() return at once instead of after half a second.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        # The host we bound, not server_address's (typed str | bytes for every socket family).
        return f"http://{HOST}:{self._httpd.server_port}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def route(
        self,
        path: str,
        *replies: Reply,
        params: Mapping[str, str] | None = None,
        guard: Callable[[Request], Reply | None] | None = None,
    ) -> None:
        """Serve `replies` in order at `path` (the last repeats), only for `params` if given.

        `guard`, if given, is asked first about every request to `path` and its reply, if any,
        is sent instead; the latest route for `path` decides whether it has a guard.
        """
        with self._lock:
            if guard is None:
                self._guards.pop(path, None)
            else:
                self._guards[path] = guard
            if params is None:
                self._routes[path] = list(replies)
                return
            wanted = dict(params)
            self._param_routes = [
                route for route in self._param_routes if route[:2] != (path, wanted)
            ]
            self._param_routes.append((path, wanted, list(replies)))

    def requests_to(self, path: str) -> list[Request]:
        """Requests received whose path (without query) is `path`."""
        return [request for request in self.requests if request.path == path]

    def _next_reply(self, path: str, query: str) -> Reply:
        with self._lock:
            replies = (
                self._routes.get(f"{path}?{query}")
                or self._param_replies(path, query)
                or self._routes.get(path)
            )
            if not replies:
                return Reply(status=404, body=b"not found")
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _param_replies(self, path: str, query: str) -> list[Reply] | None:
        """The replies of the matching `params` route that names the most parameters."""
        given = set(parse_qsl(query, keep_blank_values=True))
        matching = [
            (len(wanted), replies)
            for route_path, wanted, replies in self._param_routes
            if route_path == path and set(wanted.items()) <= given
        ]
        return max(matching, key=lambda match: match[0])[1] if matching else None

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = Request(handler.command, parts.path, parts.query, dict(handler.headers), body)
        with self._lock:
            self.requests.append(request)
            guard = self._guards.get(parts.path)
        if self.on_request is not None:
            self.on_request(request)
        refusal = guard(request) if guard is not None else None
        reply = refusal if refusal is not None else self._next_reply(parts.path, parts.query)
        if reply.hold is not None:
            reply.hold.wait(10)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.etag is not None and handler.headers.get("If-None-Match") == reply.etag:
            handler.send_response(304)
            handler.send_header("ETag", reply.etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
        headers = dict(reply.headers)
        if reply.gzip_bomb:
            payload = _gzip_zeros(reply.gzip_bomb)
            headers["Content-Encoding"] = "gzip"
        if reply.etag is not None:
            headers["ETag"] = reply.etag
        handler.send_response(reply.status)
        for name, value in headers.items():
            handler.send_header(name, value)
        announced = len(payload) * 2 + 100 if reply.truncate else len(payload)
        handler.send_header("Content-Length", str(announced))
        handler.end_headers()
        if handler.command == "HEAD":
            return
        try:
            if reply.trickle:
                for start in range(0, len(payload), 64):
                    handler.wfile.write(payload[start : start + 64])
                    handler.wfile.flush()
                    time.sleep(reply.trickle)
            else:
                handler.wfile.write(payload)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
        if reply.truncate:
            handler.close_connection = True


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops connections when many clients connect at
    # once (a scan of hundreds of sources), and the client then waits seconds to retry SYN.
    request_queue_size = 256


def _gzip_zeros(size: int) -> bytes:
    """A gzip stream of `size` zero bytes, built without holding `size` bytes in memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1024 * 1024)
    parts = []
    remaining = size
    while remaining > 0:
        step = min(remaining, len(chunk))
        parts.append(compressor.compress(chunk[:step]))
        remaining -= step
    parts.append(compressor.flush())
    return b"".join(parts)


assert gzip.decompress(_gzip_zeros(10)) == bytes(10)
