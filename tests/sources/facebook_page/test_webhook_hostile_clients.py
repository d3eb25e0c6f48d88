"""Hostile clients on raw sockets: a body over the cap, a body trickling in, an endless head."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import httpx

from monitor.config.settings import Config, load
from monitor.service.webhook import MAX_DELIVERY, create_app
from storage.database import Store
from tests.sources.facebook_page.support import PAT
from tests.sources.facebook_page.webhook_support import (
    REPLY_TO_PAT,
    ServerThread,
    config_file,
    delivery,
    signature,
    stored,
)


def address(url: str) -> tuple[str, int]:
    """(host, port) of an http://host:port URL."""
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def read_until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a reset counts as closed)."""
    received = b""
    while True:
        try:
            data = connection.recv(65536)
        except ConnectionResetError:
            return received
        if not data:
            return received
        received += data


HEAD = (
    b"POST /facebook/facebook HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nX-Hub-Signature-256: sha256=00\r\n"
)


def test_a_chunked_body_over_the_cap_is_413_and_the_rest_is_not_read(
    receiver: tuple[str, Store, Config],
) -> None:
    url, store, _ = receiver
    attempted = 128 * MAX_DELIVERY
    sent = 0
    stopped: list[OSError] = []

    def send_chunks(connection: socket.socket) -> None:
        nonlocal sent
        chunk = b"x" * 65536
        frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        try:
            while sent < attempted:
                connection.sendall(frame)
                sent += len(chunk)
            connection.sendall(b"0\r\n\r\n")
        except OSError as error:  # the server closed the connection: what should happen
            stopped.append(error)

    with socket.create_connection(address(url), timeout=30) as connection:
        connection.sendall(HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
        sender = threading.Thread(target=send_chunks, args=(connection,))
        sender.start()
        response = read_until_closed(connection)
        sender.join(30)
    assert not sender.is_alive()
    assert response.startswith(b"HTTP/1.1 413 ")
    # The server stopped reading near the cap: the client could not send the rest. (What it
    # did send is the cap plus what the two sockets' buffers hold: at most 36 MiB on Linux.)
    assert stopped and sent < attempted // 2
    assert stored(store) == {}


def test_a_body_that_trickles_in_too_slowly_is_408_and_closed(
    secrets_env: None, tmp_path: Path
) -> None:
    config = load(config_file(tmp_path))
    store = Store.open(config.storage.url)
    done = threading.Event()

    def trickle(connection: socket.socket) -> None:
        try:
            while not done.wait(0.05):
                connection.sendall(b" ")
        except OSError:
            pass

    try:
        with ServerThread(create_app(config, store, body_timeout=0.5)) as url:
            with socket.create_connection(address(url), timeout=30) as connection:
                connection.sendall(HEAD + b"Content-Length: 100000\r\n\r\n{")
                sender = threading.Thread(target=trickle, args=(connection,))
                sender.start()
                response = read_until_closed(connection)
                done.set()
                sender.join(30)
        assert stored(store) == {}
    finally:
        store.close()
    assert response.startswith(b"HTTP/1.1 408 ")
    assert b"connection: close" in response.lower()


def test_a_request_head_that_never_ends_is_closed(secrets_env: None, tmp_path: Path) -> None:
    config = load(config_file(tmp_path))
    store = Store.open(config.storage.url)
    done = threading.Event()

    def trickle(connection: socket.socket) -> None:
        try:
            connection.sendall(HEAD + b"X-Slow: ")
            while not done.wait(0.05):
                connection.sendall(b"a")
        except OSError:
            pass

    try:
        with ServerThread(create_app(config, store), head_timeout=0.5) as url:
            with socket.create_connection(address(url), timeout=30) as connection:
                sender = threading.Thread(target=trickle, args=(connection,))
                sender.start()
                response = read_until_closed(connection)
                done.set()
                sender.join(30)
            # The deadline is per request: a prompt client on a kept-alive connection is served.
            with httpx.Client() as client:
                body = delivery()
                for _ in range(2):
                    answer = client.post(
                        f"{url}/facebook/facebook",
                        content=body,
                        headers={"X-Hub-Signature-256": signature(body)},
                    )
                    assert answer.status_code == 200
        assert set(stored(store)) == {PAT, REPLY_TO_PAT}
    finally:
        store.close()
    assert response == b""  # closed without an answer: there was no request to answer
