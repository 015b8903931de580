"""A lean fake Akismet for the benchmark: asyncio, uvloop and httptools, one process.

The tests' fake (tests/support/akismet.py) records every parameter and is built for
checking, not speed: a thread per connection, about 0.2-0.3 ms of CPU an answer. Here
the fake shares the machine's two cores with the servers being measured, so this one
answers as Akismet would (verify-key, comment-check, submit-spam/ham; ``invalid`` for
a wrong key or a missing ``user_ip``) and does little else. ``GET /count`` says how many
comment-checks it answered.

    python bench/fake_akismet.py PORT DELAY_SECONDS KEY
"""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import parse_qs

import httptools
import uvloop


class FakeAkismet(asyncio.Protocol):
    checks = 0

    def __init__(self, delay: float, key: str):
        self.delay, self.key = delay, key
        self.parser = httptools.HttpRequestParser(self)
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self.url, self.body = b"", []

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        url, body = self.url, b"".join(self.body)
        self.url, self.body = b"", []
        keep = self.parser.should_keep_alive()
        if url == b"/count":
            return self.reply(str(FakeAkismet.checks), keep)
        answer = self.answer(url.decode("latin-1"), parse_qs(body.decode()))
        if self.delay and url.endswith(b"comment-check"):
            asyncio.get_running_loop().call_later(self.delay, self.reply, answer, keep)
        else:
            self.reply(answer, keep)

    def answer(self, path: str, form: dict[str, list[str]]) -> str:
        if path.endswith("verify-key"):
            return "valid" if form.get("key") == [self.key] else "invalid"
        if form.get("api_key") != [self.key] or not form.get("user_ip"):
            return "invalid"
        if path.endswith("comment-check"):
            FakeAkismet.checks += 1
            return "false"  # ham
        return "Thanks for making the web a better place."

    def reply(self, text: str, keep: bool) -> None:
        if self.transport.is_closing():
            return
        body = text.encode()
        head = [b"HTTP/1.1 200 OK", b"Content-Type: text/plain; charset=utf-8"]
        head.append(b"Content-Length: %d" % len(body))
        if not keep:
            head.append(b"Connection: close")
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        if not keep:
            self.transport.close()


async def serve(port: int, delay: float, key: str) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: FakeAkismet(delay, key), "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(serve(int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]))
