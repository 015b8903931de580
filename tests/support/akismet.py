"""A fake Akismet on 127.0.0.1 that answers as a test asks and records what it was sent.

The real ``akismet`` library talks HTTP to it: NEWSROOM_AKISMET_URL points the service's
client here (``fake_akismet.env()`` gives every variable the service needs).

Answers ("verdicts"), by default for every request (``answer_with``) or for the next
requests in order (``answer_next``):

* ``ham`` / ``spam`` / ``discard``: comment-check says ``false`` / ``true`` /
  ``true`` with ``X-akismet-pro-tip: discard``;
* ``invalid``: every endpoint says ``invalid`` (a bad key; verify-key too);
* ``error``: HTTP 500 from every endpoint;
* ``odd``: an answer the library cannot read (``maybe?``) from every endpoint.
* ``recheck``: ham for now, with ``X-akismet-recheck-after: 3600`` (ask again in an hour).

Submissions answer "Thanks for making the web a better place." unless the verdict is a
fault. ``delay`` (seconds) or ``delay_ms`` slows the answer down. Every request is kept
in ``requests`` as (path, form fields), with the User-Agent header as ``_user_agent``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

API_KEY = "fake-key-0123456789"
BLOG_URL = "http://127.0.0.1:8000/"
THANKS = "Thanks for making the web a better place."
VERDICTS = ("ham", "spam", "discard", "invalid", "error", "odd", "recheck")


@dataclass
class Answer:
    """What the fake says to one request, and after how long."""

    verdict: str = "ham"
    delay: float = 0.0  # seconds before answering

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"the fake Akismet knows {VERDICTS}, not {self.verdict!r}")


@dataclass
class FakeAkismet:
    url: str = ""
    answer: Answer = field(default_factory=Answer)
    requests: list[tuple[str, dict]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    upcoming: deque[Answer] = field(default_factory=deque)

    def answer_with(self, verdict: str, delay: float = 0.0, *, delay_ms: int = 0) -> None:
        """The answer to every request from now on (after any queued with answer_next)."""
        self.answer = Answer(verdict, delay or delay_ms / 1000)

    def answer_next(self, *verdicts: str, delay: float = 0.0, delay_ms: int = 0) -> None:
        """Answers for the next requests (verify-key excluded), in order, then the default."""
        with self.lock:
            self.upcoming.extend(Answer(v, delay or delay_ms / 1000) for v in verdicts)

    def calls(self, endpoint: str) -> list[dict]:
        """The form fields of every request to the endpoint, oldest first."""
        with self.lock:
            return [data for path, data in self.requests if path.endswith(endpoint)]

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.upcoming.clear()
        self.answer = Answer()

    def env(self) -> dict[str, str]:
        return {
            "PYTHON_AKISMET_API_KEY": API_KEY,
            "PYTHON_AKISMET_BLOG_URL": BLOG_URL,
            "NEWSROOM_AKISMET_URL": self.url,
        }

    def _next_answer(self, path: str) -> Answer:
        with self.lock:
            if self.upcoming and not path.endswith("verify-key"):
                return self.upcoming.popleft()
            return self.answer


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
            answer = fake._next_answer(self.path)
            if answer.delay:
                time.sleep(answer.delay)
            verdict = answer.verdict
            if verdict == "error":
                return self._send("Internal error", status=500)
            if verdict == "odd":
                return self._send("maybe?")
            if self.path.endswith("verify-key"):
                valid = data.get("key") == API_KEY and verdict != "invalid"
                return self._send("valid" if valid else "invalid")
            if data.get("api_key") != API_KEY or verdict == "invalid":
                return self._send("invalid")
            if self.path.endswith(("submit-spam", "submit-ham")):
                return self._send(THANKS)
            headers = {"X-akismet-pro-tip": "discard"} if verdict == "discard" else {}
            if verdict == "recheck":  # ham for now, but ask again in an hour
                headers = {"X-akismet-recheck-after": "3600"}
            self._send("false" if verdict in ("ham", "recheck") else "true", headers=headers)

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
    """A running fake and its server; call ``server.shutdown()`` and ``server_close()``."""
    fake = FakeAkismet()
    server = _Server(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_port}"
    # A short poll interval: shutdown() waits for it, at the end of every test.
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return fake, server


@pytest.fixture
def fake_akismet():
    """A fake Akismet for one test, answering ham until told otherwise."""
    fake, server = start_fake_akismet()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def akismet_env(fake_akismet, monkeypatch):
    """The fake Akismet, with its variables set in this test's environment."""
    for name, value in fake_akismet.env().items():
        monkeypatch.setenv(name, value)
    return fake_akismet
