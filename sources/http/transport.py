"""The shared client's wire: httpx's requests sent and answered over aiohttp's connections.

    AiohttpTransport()      an httpx transport; PoliteClient's unless a test hands it another

httpx stays the client's API (requests, URLs, headers, its cookie jar, redirects that
PoliteClient follows itself); this transport only moves bytes. A conditional GET answered 304
cost about 1.1 ms of CPU through httpx's own transport (httpcore, anyio and h11, all pure
Python) and 0.5 ms through this one: aiohttp parses HTTP/1.1 in C and keeps its connection pool
cheaply (docs/performance.md, the fleet).

It sends each request exactly as httpx built it, and nothing more: no header of its own (no
Accept, Accept-Encoding, User-Agent or Content-Type), no cookie jar (httpx's jar already put the
cookies the request may carry into its headers), no redirect followed, the URL not re-encoded.
It hands the body on undecoded as it arrives (sources/http/bodies.py inflates it under the
byte cap). A connection goes back to the pool only once its response was read to the end.

aiohttp's errors become the httpx errors httpx's own transport raised for the same event:

    could not connect (refused, DNS, TLS)          httpx.ConnectError
    connect or read timeout                        httpx.ConnectTimeout, httpx.ReadTimeout
    connection closed before the response ended    httpx.RemoteProtocolError
    a response that is not HTTP                    httpx.RemoteProtocolError
    connection reset or lost                       httpx.ReadError
    a URL aiohttp cannot send                      httpx.UnsupportedProtocol
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import aiohttp
import httpx
from multidict import CIMultiDict
from yarl import URL

# Headers aiohttp would add when a request lacks them: the request httpx built is sent as it is.
NOT_ADDED = frozenset({"Accept", "Accept-Encoding", "User-Agent", "Content-Type"})
KEEPALIVE_SECONDS = 5.0  # an idle connection is closed after this long (httpx's default too)
MAX_CONNECTIONS = 100  # httpx's default; PoliteClient's host gates keep it far lower per host


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests through one aiohttp session, made on first use (inside the loop)."""

    def __init__(self, verify: ssl.SSLContext | None = None) -> None:
        # httpx's own default context: certifi's roots, hostnames checked.
        self.ssl_context = verify if verify is not None else httpx.create_ssl_context()
        self.session: aiohttp.ClientSession | None = None

    def open_session(self) -> aiohttp.ClientSession:
        """The session, made on the first request (aiohttp binds it to the running loop)."""
        if self.session is None:
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    ssl=self.ssl_context,
                    limit=MAX_CONNECTIONS,
                    keepalive_timeout=KEEPALIVE_SECONDS,
                ),
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=NOT_ADDED,
                auto_decompress=False,
                timeout=aiohttp.ClientTimeout(total=None),
            )
        return self.session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request`; its response with the body still to be read."""
        timeouts = request.extensions.get("timeout", {})
        content = await request.aread()
        with as_httpx_errors(connecting=True):
            response = await self.open_session().request(
                request.method,
                URL(str(request.url), encoded=True),
                headers=sent_headers(request.headers),
                data=content or None,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    sock_connect=timeouts.get("connect"),
                    sock_read=timeouts.get("read"),
                ),
            )
        version = response.version or aiohttp.HttpVersion11
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=ResponseBody(response),
            request=request,
            extensions={
                "http_version": f"HTTP/{version.major}.{version.minor}".encode(),
                "reason_phrase": (response.reason or "").encode(),
            },
        )

    async def aclose(self) -> None:
        """Close every pooled connection."""
        if self.session is not None:
            await self.session.close()


def sent_headers(headers: httpx.Headers) -> CIMultiDict[str]:
    """The request's headers as httpx holds them: names in their own case, repeats kept."""
    encoding = headers.encoding
    return CIMultiDict(
        (name.decode(encoding), value.decode(encoding)) for name, value in headers.raw
    )


class ResponseBody(httpx.AsyncByteStream):
    """A response's body as aiohttp receives it; its connection released when closed."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with as_httpx_errors(connecting=False):
            async for chunk in self.response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        # Back to the pool if the body was read to the end; closed otherwise (aiohttp decides).
        self.response.release()


@contextmanager
def as_httpx_errors(*, connecting: bool) -> Iterator[None]:
    """Raise aiohttp's errors as the httpx errors httpx's own transport raises."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as error:
        raise httpx.ConnectTimeout(str(error)) from error
    except (aiohttp.ServerTimeoutError, TimeoutError) as error:
        timeout = httpx.ConnectTimeout if connecting else httpx.ReadTimeout
        raise timeout(str(error)) from error
    except aiohttp.ClientConnectorError as error:
        # The OS's or TLS's reason alone (a certificate error carries no `os_error`).
        raise httpx.ConnectError(str(getattr(error, "os_error", error))) from error
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as error:
        raise httpx.RemoteProtocolError(str(error)) from error
    except aiohttp.ClientResponseError as error:
        raise httpx.RemoteProtocolError(error.message) from error
    except aiohttp.InvalidURL as error:
        raise httpx.UnsupportedProtocol(str(error)) from error
    except (aiohttp.ClientError, OSError) as error:
        raise httpx.ReadError(str(error)) from error
