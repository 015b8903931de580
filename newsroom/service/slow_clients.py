"""Deadlines for slow clients, which uvicorn does not have (its issue #157).

A client that sends its headers a line every few seconds, or its body a byte at a time,
would hold a connection (and, for a body, a request in flight) for as long as it likes.
This protocol, uvicorn's own httptools protocol with two timers, closes a connection
whose request headers have not all arrived within ``header_timeout`` seconds of the
connection (or of the request's first byte, on a kept-alive connection), or whose body
has not within ``body_timeout`` of its headers. Idle kept-alive connections are uvicorn's
business (``timeout_keep_alive``). It subclasses uvicorn's internals, so pyproject.toml
pins uvicorn's minor version and tests/service/test_server.py checks it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from newsroom.service.client_address import is_trusted

logger = logging.getLogger("newsroom.service")


MAX_HEAD_BYTES = 64 << 10  # received before a request's headers end (a body may share them)
MAX_PER_CLIENT = 32  # connections at once from one address that is not a trusted proxy


class DeadlineProtocol(HttpToolsProtocol):
    header_timeout = 30.0
    body_timeout = 60.0
    trusted: ClassVar[tuple[Any, ...]] = ()  # proxies: their many connections carry many clients
    open_by_client: ClassVar[Counter[str]] = Counter()  # per server (see protocol())

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._in_body = False
        super().connection_made(transport)
        self._peer = self.client[0] if self.client else ""
        self.open_by_client[self._peer] += 1
        if self.open_by_client[self._peer] > MAX_PER_CLIENT and not is_trusted(
            self._peer, self.trusted
        ):
            logger.info("Refused a connection: %s has too many open", self._peer)
            self.transport.close()
            return
        self._arm(self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self.open_by_client[self._peer] -= 1
        if self.open_by_client[self._peer] <= 0:
            del self.open_by_client[self._peer]
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self._in_body:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self.transport.write(
                    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                )
                self.transport.close()
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # a new request on a kept-alive connection
            self._arm(self.header_timeout)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._in_body = True
        self._arm(self.body_timeout)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_body, self._head_bytes = False, 0
        self._disarm()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            logger.info("Closed a connection whose request came too slowly: %s", self.client)
            self.transport.close()


def protocol(
    header_timeout: float, body_timeout: float, trusted: tuple[Any, ...] = ()
) -> type[DeadlineProtocol]:
    """The protocol class with these deadlines, for uvicorn's ``http`` setting."""
    settings: dict[str, Any] = {
        "header_timeout": header_timeout,
        "body_timeout": body_timeout,
        "trusted": trusted,
        "open_by_client": Counter(),
    }
    return type("Deadlines", (DeadlineProtocol,), settings)
