"""A lean httpx transport for Akismet's API: HTTP/1.1 keep-alive over asyncio.

The ``akismet`` library sends each check through an ``httpx.AsyncClient``. httpx's own
transport (httpcore, h11, anyio) costs more CPU per request than the rest of a post put
together, and more the busier its pool is: it walks every pooled connection on each
request. Akismet's API is small form posts answered by short bodies, so this transport
speaks just that: one request at a time per connection, idle connections reused newest
first, responses parsed by httptools (llhttp, in C; uvicorn's parser). Faults are raised
as httpx's exceptions, so the library reports them as it would with httpx's transport.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from urllib.parse import urlsplit

import httptools
import httpx

MAX_IDLE = 64  # idle keep-alive connections kept per origin
MAX_BODY = 1 << 20  # Akismet answers a word or a small JSON document


class _Exchange(asyncio.Protocol):
    """One connection: sends a request, gathers the response, says whether to keep it."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._reset()

    def _reset(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._size = 0
        self._headers_complete = False
        self._done: asyncio.Future | None = None
        self.received_any = False

    # asyncio.Protocol
    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received_any = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(httpx.RemoteProtocolError("Unexpected protocol upgrade"))
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"Malformed response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._done is None or self._done.done():
            return
        if self._headers_complete and self._ends_at_close():
            self._done.set_result(self._answer(keep=False))
        else:
            self._fail(httpx.RemoteProtocolError("Server closed the connection"))

    def _ends_at_close(self) -> bool:
        """A body with neither a length nor chunks ends when the server closes."""
        names = {name.lower() for name, _ in self._headers}
        return b"content-length" not in names and b"transfer-encoding" not in names

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._headers_complete = True

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > MAX_BODY:
            self._fail(httpx.RemoteProtocolError("Response body too large"))
        else:
            self._body.append(body)

    def on_message_complete(self) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_result(self._answer(keep=self._parser.should_keep_alive()))

    def _answer(self, keep: bool):
        return self._parser.get_status_code(), self._headers, b"".join(self._body), keep

    def _fail(self, error: Exception) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_exception(error)
        self.close()

    async def exchange(self, request_bytes: bytes):
        self._reset()
        self._done = asyncio.get_running_loop().create_future()
        self.transport.write(request_bytes)
        return await self._done

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class LeanTransport(httpx.AsyncBaseTransport):
    """Keep-alive HTTP/1.1 for small requests; optionally sent to another base address
    (scheme, host, port) than the request names: the library's API address is fixed."""

    def __init__(self, base_url: str | None = None, ssl_context: ssl.SSLContext | None = None):
        self._target = None
        if base_url is not None:
            parts = urlsplit(base_url)
            self._target = {"scheme": parts.scheme, "host": parts.hostname, "port": parts.port}
        self._ssl_context = ssl_context
        self._idle: dict[tuple, deque[_Exchange]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._target is not None:
            request.url = request.url.copy_with(**self._target)
            request.headers["Host"] = request.url.netloc.decode("ascii")
        origin = (request.url.scheme, request.url.host, request.url.port)
        timeouts = request.extensions.get("timeout", {})
        message = _serialise(request, await request.aread())
        connection, reused = self._idle_connection(origin), True
        if connection is None:
            connection, reused = await self._connect(request, origin, timeouts), False
        try:
            answer = await self._exchange(request, connection, message, timeouts)
        except httpx.RemoteProtocolError:
            if not reused or connection.received_any:
                raise
            # The server closed an idle connection as we reused it: once more on a new one.
            connection = await self._connect(request, origin, timeouts)
            answer = await self._exchange(request, connection, message, timeouts)
        status, headers, body, keep = answer
        self._release(origin, connection, keep)
        return httpx.Response(status, headers=headers, content=body, request=request)

    def _idle_connection(self, origin: tuple) -> _Exchange | None:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if not connection.closed:
                return connection
        return None

    def _release(self, origin: tuple, connection: _Exchange, keep: bool) -> None:
        idle = self._idle.setdefault(origin, deque())
        if keep and not connection.closed and len(idle) < MAX_IDLE:
            idle.append(connection)
        else:
            connection.close()

    async def _connect(self, request: httpx.Request, origin: tuple, timeouts: dict) -> _Exchange:
        scheme, host, port = origin
        secure = scheme == "https"
        port = port or (443 if secure else 80)
        context = None
        if secure:
            context = self._ssl_context = self._ssl_context or httpx.create_ssl_context()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeouts.get("connect")):
                _, connection = await loop.create_connection(
                    _Exchange, host, port, ssl=context, server_hostname=host if secure else None
                )
        except TimeoutError:
            raise httpx.ConnectTimeout("Timed out connecting", request=request) from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        return connection

    async def _exchange(self, request, connection: _Exchange, message: bytes, timeouts: dict):
        try:
            async with asyncio.timeout(timeouts.get("read")):
                return await connection.exchange(message)
        except TimeoutError:
            connection.close()
            raise httpx.ReadTimeout("Timed out waiting for the answer", request=request) from None
        except httpx.HTTPError as exc:
            exc.request = request
            raise
        except BaseException:  # cancelled mid-answer: the connection is in an unknown state
            connection.close()
            raise

    async def aclose(self) -> None:
        for idle in self._idle.values():
            while idle:
                idle.pop().close()


def _serialise(request: httpx.Request, body: bytes) -> bytes:
    target = request.url.raw_path
    lines = [request.method.encode("ascii") + b" " + target + b" HTTP/1.1"]
    lines.extend(name + b": " + value for name, value in request.headers.raw)
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
