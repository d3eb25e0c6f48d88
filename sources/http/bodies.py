"""Response bodies: read as a stream, inflated as they arrive, refused past a decoded-byte cap.

read_body(response, max_body, label)
  │  Content-Encoding gzip, x-gzip or deflate: inflated chunk by chunk as the bytes arrive;
  │  none or identity: kept as sent; anything else ──► SourceUnavailableError, nothing read
  │  past max_body decoded bytes ──► SourceUnavailableError at once (a gzip bomb costs
  │      max_body + 1 bytes of memory, never its inflated size)
  │  corrupt gzip or deflate data ──► SourceUnavailableError
  ▼
the body as bytes; charset_of(headers) names the codec that turns them into text
"""

from __future__ import annotations

import codecs
import zlib
from collections.abc import Callable
from email.message import Message

import httpx

from sources.errors import SourceUnavailableError

MIB = 1024 * 1024


async def read_body(response: httpx.Response, max_body: int, label: str) -> bytes:
    """The decoded body, refused as soon as it grows past `max_body` bytes."""
    decode = body_decoder(response.headers.get("Content-Encoding", ""), label)
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += decode(chunk, max_body - len(body))
        if len(body) > max_body:
            raise SourceUnavailableError(f"{label}: response larger than {format_size(max_body)}")
    return bytes(body)


def body_decoder(content_encoding: str, label: str) -> Callable[[bytes, int], bytes]:
    """A function from (raw chunk, bytes still allowed) to decoded bytes, at most one past that."""
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return lambda chunk, room: chunk
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise SourceUnavailableError(f"{label}: unsupported Content-Encoding")
    # 32 + MAX_WBITS accepts a gzip or a zlib header, which covers what servers send as deflate.
    decompressor = zlib.decompressobj(32 + zlib.MAX_WBITS)

    def inflate(chunk: bytes, room: int) -> bytes:
        try:
            # Inflating one byte past the room is enough to know it is too large, and no more
            # is ever held: a gzip bomb costs max_body bytes of memory, not its inflated size.
            return decompressor.decompress(chunk, room + 1)
        except zlib.error:
            message = f"{label}: response body is not valid {encoding}"
            raise SourceUnavailableError(message) from None

    return inflate


def charset_of(headers: httpx.Headers) -> str:
    """The Content-Type charset if Python knows it, else UTF-8."""
    message = Message()
    message["Content-Type"] = headers.get("Content-Type", "")
    charset = message.get_content_charset()
    if charset:
        try:
            return codecs.lookup(charset).name
        except LookupError:
            pass
    return "utf-8"


def format_size(size: int) -> str:
    """ "10 MiB", "512 KiB" or "100 bytes"."""
    for unit, scale in (("MiB", MIB), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} bytes"
