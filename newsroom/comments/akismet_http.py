"""A lean HTTP client for Akismet's API: an ``httpx.AsyncClient`` that the ``akismet``
library is given, with HTTP/1.1 keep-alive over asyncio underneath.

Akismet's API is small form posts answered by short bodies, and httpx's general
machinery cost more per check than the rest of a post (docs/benchmarks.md). So the
client's ``post`` (all the library calls for our operations) writes the request itself
and sends it on a kept-alive connection: one request at a time per connection, idle ones
reused newest first, answers parsed by httptools. Everything else (and everything through
a proxy) is plain httpx. Faults are httpx's exceptions, so the library reports them as
it does with httpx's own transport.
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.request
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

import httptools
import httpx

Origin = tuple[str, str, int]  # scheme, host, port
Headers = list[tuple[bytes, bytes]]
Answer = tuple[int, Headers, bytes]  # status, headers, body
Timeouts = dict[str, float | None]
Exchanged = tuple[int, Headers, bytes, bool]  # an answer, and whether to keep the connection

# The answer to this task's latest post: the library returns only the verdict, and some
# headers (X-akismet-recheck-after) matter too. A context variable: each post's own task.
last_answer: ContextVar[httpx.Response | None] = ContextVar("akismet_answer", default=None)

MAX_IDLE = 64  # idle keep-alive connections kept per origin
MAX_BODY = 1 << 20  # Akismet answers a word or a small JSON document
MAX_HEADERS = 100  # Akismet sends about ten
MAX_HEADER_BYTES = 64 << 10


class _Exchange(asyncio.Protocol):
    """One connection: sends a request, gathers the response, says whether to keep it."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._reset()

    def _reset(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._headers: Headers = []
        self._body: list[bytes] = []
        self._size = 0
        self._header_bytes = 0
        self._head_received = 0
        self._headers_complete = False
        self._done: asyncio.Future[Exchanged] | None = None
        self.received_any = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        if self.closed:  # refused already: nothing more is read
            return
        self.received_any = True
        if not self._headers_complete:
            # httptools hands over a header only once it has all of it: count the bytes
            # as they come, or one endless header is gathered for as long as it lasts.
            self._head_received += len(data)  # the body's first bytes may come along
            if self._head_received > 2 * MAX_HEADER_BYTES:
                self._fail(httpx.RemoteProtocolError("Response headers too large"))
                return
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
        self._header_bytes += len(name) + len(value)
        if len(self._headers) >= MAX_HEADERS or self._header_bytes > MAX_HEADER_BYTES:
            self._fail(httpx.RemoteProtocolError("Response headers too large"))
        else:
            self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._headers_complete = True
        for name, value in self._headers:
            # Asked for identity: a compressed answer could unpack to far past MAX_BODY.
            if name.lower() == b"content-encoding" and value.strip().lower() != b"identity":
                self._fail(httpx.RemoteProtocolError("Response in an encoding not asked for"))

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > MAX_BODY:
            self._fail(httpx.RemoteProtocolError("Response body too large"))
        else:
            self._body.append(body)

    def on_message_complete(self) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_result(self._answer(keep=self._parser.should_keep_alive()))

    def _answer(self, keep: bool) -> Exchanged:
        status = int(self._parser.get_status_code())
        return status, self._headers, b"".join(self._body), keep

    def _fail(self, error: Exception) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_exception(error)
        self.close()

    async def exchange(self, request_bytes: bytes) -> Exchanged:
        self._reset()
        done: asyncio.Future[Exchanged] = asyncio.get_running_loop().create_future()
        self._done = done
        assert self.transport is not None  # connected before any exchange
        self.transport.write(request_bytes)
        return await done

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class _Connections:
    """Kept-alive connections by origin (scheme, host, port); one exchange at a time each."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._idle: dict[Origin, deque[_Exchange]] = {}
        self._ssl_context = ssl_context  # made when first needed: httpx's (certifi's CAs)

    async def send(
        self, origin: Origin, message: bytes, timeouts: Timeouts, request: httpx.Request
    ) -> Answer:
        """(status, headers, body) of the answer to one serialised request."""
        connection, reused = self._idle_connection(origin), True
        if connection is None:
            connection, reused = await self._connect(origin, timeouts, request), False
        try:
            answer = await self._exchange(connection, message, timeouts, request)
        except httpx.RemoteProtocolError:
            if not reused or connection.received_any:
                raise
            # The server closed an idle connection as we reused it: once more on a new one.
            connection = await self._connect(origin, timeouts, request)
            answer = await self._exchange(connection, message, timeouts, request)
        status, headers, body, keep = answer
        self._release(origin, connection, keep)
        return status, headers, body

    def _idle_connection(self, origin: Origin) -> _Exchange | None:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if not connection.closed:
                return connection
        return None

    def _release(self, origin: Origin, connection: _Exchange, keep: bool) -> None:
        idle = self._idle.setdefault(origin, deque())
        if keep and not connection.closed and len(idle) < MAX_IDLE:
            idle.append(connection)
        else:
            connection.close()

    async def _connect(
        self, origin: Origin, timeouts: Timeouts, request: httpx.Request
    ) -> _Exchange:
        scheme, host, port = origin
        secure = scheme == "https"
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

    async def _exchange(
        self, connection: _Exchange, message: bytes, timeouts: Timeouts, request: httpx.Request
    ) -> Exchanged:
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

    def close(self) -> None:
        for idle in self._idle.values():
            while idle:
                idle.pop().close()


class LeanTransport(httpx.AsyncBaseTransport):
    """httpx's transport interface on the kept-alive connections, for whatever the client
    sends the long way (e.g. GET endpoints of the library)."""

    def __init__(self, connections: _Connections, redirect: Callable[[httpx.URL], httpx.URL]):
        self._connections, self._redirect = connections, redirect

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = self._redirect(request.url)
        request.headers["Host"] = request.url.netloc.decode("ascii")
        body = await request.aread()
        if body or "Transfer-Encoding" in request.headers:  # sent whole, never in chunks
            request.headers.pop("Transfer-Encoding", None)
            request.headers["Content-Length"] = str(len(body))
        message = _serialise(request.method, request.url.raw_path, request.headers.raw) + body
        timeouts = request.extensions.get("timeout", {})
        status, headers, body = await self._connections.send(
            _origin(request.url), message, timeouts, request
        )
        return httpx.Response(status, headers=headers, content=body, request=request)

    async def aclose(self) -> None:
        self._connections.close()


class AkismetHTTPClient(httpx.AsyncClient):
    """The client given to ``akismet.AsyncClient``. ``redirect_to``, when given, replaces
    the scheme, host and port of every request: the library's API address is fixed, and
    tests point it at a local fake. ``ssl_context`` verifies HTTPS servers (default:
    httpx's, with certifi's authorities). ``post`` of form data takes the short way."""

    def __init__(
        self,
        *,
        redirect_to: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        **kwargs: Any,
    ):
        self._connections = _Connections(ssl_context)
        self._target: dict[str, Any] | None = None
        if redirect_to is not None:
            parts = urlsplit(redirect_to)
            self._target = {"scheme": parts.scheme, "host": parts.hostname, "port": parts.port}
        transport = LeanTransport(self._connections, self._redirect)
        super().__init__(transport=transport, **kwargs)
        self.headers["Accept-Encoding"] = "identity"  # see _Exchange.on_headers_complete
        # Through a proxy, httpx's own transports apply: every request goes the long way.
        self._short_way = not (self.trust_env and urllib.request.getproxies())
        self._endpoints: dict[str, tuple[Origin, bytes, httpx.Request]] = {}

    def _redirect(self, url: httpx.URL) -> httpx.URL:
        return url.copy_with(**self._target) if self._target is not None else url

    async def post(
        self, url: httpx.URL | str, *, data: Any = None, **kwargs: Any
    ) -> httpx.Response:
        if kwargs or not isinstance(data, dict) or not self._short_way:
            answer = await super().post(url, data=data, **kwargs)
            last_answer.set(answer)
            return answer
        origin, head, request = self._endpoint(str(url))
        body = _form(data)
        message = head + b"Content-Length: %d\r\n\r\n" % len(body) + body
        timeout = self.timeout
        timeouts: Timeouts = {"connect": timeout.connect, "read": timeout.read}
        status, headers, content = await self._connections.send(origin, message, timeouts, request)
        answer = httpx.Response(status, headers=headers, content=content, request=request)
        last_answer.set(answer)
        return answer

    def _endpoint(self, url: str) -> tuple[Origin, bytes, httpx.Request]:
        """Origin, request head (all but its length) and an httpx.Request to name in answers
        and errors: made once for each of the few addresses the library posts to."""
        known = self._endpoints.get(url)
        if known is None:
            target = self._redirect(httpx.URL(url))
            headers = [(b"Host", target.netloc)]
            headers += [(k, v) for k, v in self.headers.raw if k.lower() != b"host"]
            headers.append((b"Content-Type", b"application/x-www-form-urlencoded"))
            head = _serialise("POST", target.raw_path, headers)[:-2]  # without the blank line
            known = self._endpoints[url] = (_origin(target), head, httpx.Request("POST", target))
        return known


def _origin(url: httpx.URL) -> Origin:
    secure = url.scheme == "https"
    return url.scheme, url.host, url.port or (443 if secure else 80)


def _serialise(method: str, target: bytes, headers: Headers) -> bytes:
    """A request's head, blank line included."""
    lines = [method.encode("ascii") + b" " + target + b" HTTP/1.1"]
    lines.extend(name + b": " + value for name, value in headers)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _form(data: dict[str, Any]) -> bytes:
    """Form encoding exactly as httpx does it (lists repeated, true/false, None empty)."""
    pairs = []
    for key, value in data.items():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            pairs.append((key, _text(item)))
    return urlencode(pairs).encode("utf-8")


def _text(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)
