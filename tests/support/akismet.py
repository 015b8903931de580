"""A fake Akismet on 127.0.0.1 that answers as a test asks and records what it was sent.

The real ``akismet`` library talks HTTP to it: NEWSROOM_AKISMET_URL points the service's
client here.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

API_KEY = "fake-key-0123456789"
BLOG_URL = "http://127.0.0.1:8000/"
THANKS = "Thanks for making the web a better place."


@dataclass
class Answer:
    """What comment-check says: "ham", "spam", "discard", "invalid", "error", "odd"."""

    verdict: str = "ham"
    delay: float = 0.0  # seconds before answering


@dataclass
class FakeAkismet:
    url: str = ""
    answer: Answer = field(default_factory=Answer)
    requests: list[tuple[str, dict]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_with(self, verdict: str, delay: float = 0.0) -> None:
        self.answer = Answer(verdict, delay)

    def calls(self, endpoint: str) -> list[dict]:
        with self.lock:
            return [data for path, data in self.requests if path.endswith(endpoint)]

    def env(self) -> dict[str, str]:
        return {
            "PYTHON_AKISMET_API_KEY": API_KEY,
            "PYTHON_AKISMET_BLOG_URL": BLOG_URL,
            "NEWSROOM_AKISMET_URL": self.url,
        }


def _handler(fake: FakeAkismet):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's algorithm and
            # the client's delayed ACK add 40 ms to every answer.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            data = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
            data["_user_agent"] = self.headers.get("User-Agent", "")
            with fake.lock:
                fake.requests.append((self.path, data))
            answer = fake.answer
            if answer.delay:
                time.sleep(answer.delay)
            if self.path.endswith("verify-key"):
                return self._send("valid" if data.get("key") == API_KEY else "invalid")
            if data.get("api_key") != API_KEY or answer.verdict == "invalid":
                return self._send("invalid")
            if self.path.endswith(("submit-spam", "submit-ham")):
                return self._send(THANKS)
            if answer.verdict == "error":
                return self._send("Internal error", status=500)
            if answer.verdict == "odd":
                return self._send("maybe?")
            headers = {"X-akismet-pro-tip": "discard"} if answer.verdict == "discard" else {}
            self._send("false" if answer.verdict == "ham" else "true", headers=headers)

        def _send(self, text: str, status: int = 200, headers: dict | None = None):
            body = text.encode()
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def start_fake_akismet() -> tuple[FakeAkismet, _Server]:
    fake = FakeAkismet()
    server = _Server(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server


@pytest.fixture
def fake_akismet():
    fake, server = start_fake_akismet()
    yield fake
    server.shutdown()
    server.server_close()
