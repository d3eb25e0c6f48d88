"""The demo's web server: recorded responses of the real services, on 127.0.0.1, in a thread.

Each folder of `monitor/demo/data/` is one source type: `routes.toml` says which recorded file
answers which request, and `source.toml` is that type's config, with `{base}` where the
server's address goes. A type that needs keys also has `secrets.toml`: file name → a fake value,
which the demo writes to `secrets/<name>` (mode 0600) for `source.toml` to reference as
`<key>_file = "secrets/<name>"`, exactly as a school's config would. Adding a type to the demo is
adding such a folder.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DATA = files("monitor.demo") / "data"


@dataclass(frozen=True, slots=True)
class Route:
    """One recorded response: for `method` `path` (and these query parameters), in poll `poll`
    or all."""

    path: str
    body: bytes
    content_type: str
    params: dict[str, str] = field(default_factory=dict)
    poll: int | None = None
    method: str = "GET"

    def answers(self, method: str, path: str, query: set[tuple[str, str]], poll: int) -> bool:
        """True when this route serves `method` `path` with `query` in poll `poll`."""
        return (
            method == self.method
            and path == self.path
            and self.poll in (None, poll)
            and set(self.params.items()) <= query
        )


def source_folders() -> Iterator[Traversable]:
    """The folder of recorded responses of each source type, by name."""
    yield from sorted(
        (folder for folder in DATA.iterdir() if folder.is_dir()), key=lambda f: f.name
    )


def load_routes(folder: Traversable) -> list[Route]:
    """The routes a type's folder records."""
    table: dict[str, Any] = tomllib.loads(folder.joinpath("routes.toml").read_text("utf-8"))
    return [
        Route(
            path=entry["path"],
            body=folder.joinpath(entry["file"]).read_bytes(),
            content_type=entry["content_type"],
            params=dict(entry.get("params", {})),
            poll=entry.get("poll"),
            method=entry.get("method", "GET"),
        )
        for entry in table["route"]
    ]


def config_snippets(base: str) -> str:
    """Every type's `source.toml`, pointed at `base`."""
    return "\n".join(
        folder.joinpath("source.toml").read_text("utf-8").replace("{base}", base)
        for folder in source_folders()
    )


def demo_secrets() -> dict[str, str]:
    """The fake secrets every type's `secrets.toml` lists: file name → value."""
    found: dict[str, str] = {}
    for folder in source_folders():
        listed = folder.joinpath("secrets.toml")
        if listed.is_file():
            for name, value in tomllib.loads(listed.read_text("utf-8")).items():
                if name in found or "/" in name or not isinstance(value, str):
                    raise ValueError(f"{folder.name}/secrets.toml: bad or repeated secret {name!r}")
                found[name] = value
    return found


class DemoServer:
    """A threaded HTTP server on an ephemeral loopback port serving the recorded routes."""

    def __init__(self) -> None:
        self.routes = [route for folder in source_folders() for route in load_routes(folder)]
        self.poll = 1
        self.requests = 0
        demo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass  # the demo prints its own summary

            def do_GET(self) -> None:
                demo.answer(self)

            def do_POST(self) -> None:
                # The body (e.g. an OAuth token request) is read so the connection stays usable.
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                demo.answer(self)

            def do_PUT(self) -> None:
                # A write (a reply to a review): answered with the service's recorded answer.
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                demo.answer(self)

            def do_DELETE(self) -> None:
                demo.answer(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self._httpd.server_port}"

    def __enter__(self) -> DemoServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def route_for(self, method: str, path: str, query: str) -> Route | None:
        """The route naming the most parameters that answers this request, if any."""
        given = set(parse_qsl(query, keep_blank_values=True))
        matching = [route for route in self.routes if route.answers(method, path, given, self.poll)]
        return max(matching, key=lambda route: len(route.params), default=None)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        """Serve one request: its recorded response, or 404."""
        self.requests += 1
        parts = urlsplit(handler.path)
        route = self.route_for(handler.command, parts.path, parts.query)
        status, body, content_type = (
            (200, route.body, route.content_type)
            if route is not None
            else (404, b"no recorded response", "text/plain")
        )
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
