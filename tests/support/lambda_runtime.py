"""A minimal AWS Lambda Runtime API on 127.0.0.1, for the real runtime client.

It serves the three calls a function's runtime makes (see AWS's "Using the Lambda runtime
API for custom runtimes"): ``GET /2018-06-01/runtime/invocation/next`` hands out the
queued events one by one (and waits while none is queued), ``POST
…/invocation/{id}/response`` and ``…/invocation/{id}/error`` record the answers, and
``POST …/init/error`` records a failed start.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/2018-06-01/runtime"


@dataclass
class RuntimeApi:
    events: queue.Queue = field(default_factory=queue.Queue)
    answers: dict[str, Any] = field(default_factory=dict)  # request id -> response
    errors: dict[str, Any] = field(default_factory=dict)  # request id (or "init") -> error
    first_poll: float | None = None  # time.monotonic() of the first "next": init is done
    first_answer: float | None = None  # and of the first answer
    answered: threading.Condition = field(default_factory=threading.Condition)
    stopping: threading.Event = field(default_factory=threading.Event)
    address: str = ""

    def invoke(self, request_id: str, event: Any) -> None:
        self.events.put((request_id, event))

    def wait_for(self, count: int, timeout: float) -> None:
        """Until `count` invocations are answered (or failed), else TimeoutError."""
        with self.answered:
            done = self.answered.wait_for(
                lambda: len(self.answers) + len(self.errors) >= count, timeout
            )
        if not done:
            raise TimeoutError(f"{len(self.answers)} answers, {len(self.errors)} errors")

    def _record(self, into: dict[str, Any], key: str, body: bytes) -> None:
        with self.answered:
            into[key] = json.loads(body) if body else None
            if self.first_answer is None:
                self.first_answer = time.monotonic()
            self.answered.notify_all()


class _Handler(BaseHTTPRequestHandler):
    api: RuntimeApi

    def log_message(self, format, *args):  # quiet: the test reports what matters
        pass

    def do_GET(self):
        if self.path != f"{PREFIX}/invocation/next":
            return self._reply(404, b"{}")
        if self.api.first_poll is None:
            self.api.first_poll = time.monotonic()
        while not self.api.stopping.is_set():
            try:
                request_id, event = self.api.events.get(timeout=0.2)
            except queue.Empty:
                continue
            deadline = int((time.time() + 60) * 1000)
            return self._reply(
                200,
                json.dumps(event).encode(),
                {
                    "Lambda-Runtime-Aws-Request-Id": request_id,
                    "Lambda-Runtime-Deadline-Ms": str(deadline),
                    "Lambda-Runtime-Invoked-Function-Arn": (
                        "arn:aws:lambda:eu-west-1:123456789012:function:newsroom"
                    ),
                    "Lambda-Runtime-Trace-Id": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700",
                },
            )
        return self._reply(503, b"{}")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = self.path.removeprefix(PREFIX).strip("/").split("/")
        if parts == ["init", "error"]:
            self.api._record(self.api.errors, "init", body)
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "response":
            self.api._record(self.api.answers, parts[1], body)
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "error":
            self.api._record(self.api.errors, parts[1], body)
        else:
            return self._reply(404, b"{}")
        return self._reply(202, b'{"status": "OK"}')

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def serve_runtime_api() -> tuple[RuntimeApi, ThreadingHTTPServer]:
    """The API and its server, listening on a free port of 127.0.0.1 in a thread."""
    api = RuntimeApi()
    handler = type("Handler", (_Handler,), {"api": api})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    api.address = f"127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return api, server
