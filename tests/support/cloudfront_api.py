"""A fake CloudFront API on loopback: it takes invalidations as AWS's does (boto3's
rest-xml request, a 201 with the Invalidation) and keeps them for the test to read.
boto3 reaches it through AWS_ENDPOINT_URL_CLOUDFRONT."""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

NS = "{http://cloudfront.amazonaws.com/doc/2020-05-31/}"
PATH = re.compile(r"^/2020-05-31/distribution/([A-Z0-9]+)/invalidation$")


class FakeCloudFront(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.invalidations: list[tuple[str, list[str]]] = []  # (distribution, paths)
        self.refused: set[str] = set()  # distributions whose invalidations get a 403

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeCloudFront

    def do_POST(self):
        found = PATH.match(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if found is None:
            return self._reply(404, b"")
        if found.group(1) in self.server.refused:
            error = (
                f'<?xml version="1.0"?><ErrorResponse xmlns="{NS[1:-1]}"><Error>'
                "<Type>Sender</Type><Code>AccessDenied</Code><Message>Not yours</Message>"
                "</Error></ErrorResponse>"
            )
            return self._reply(403, error.encode())
        batch = ET.fromstring(body)
        paths = [p.text for p in batch.iter(f"{NS}Path")]
        if int(batch.findtext(f"{NS}Paths/{NS}Quantity")) != len(paths):
            return self._reply(400, b"")
        self.server.invalidations.append((found.group(1), paths))
        answer = (
            f'<?xml version="1.0"?><Invalidation xmlns="{NS[1:-1]}"><Id>I{len(paths)}</Id>'
            "<Status>InProgress</Status><CreateTime>2026-11-30T00:00:00Z</CreateTime>"
            f"{body.decode().split('?>', 1)[-1]}</Invalidation>"
        )
        self._reply(201, answer.encode())

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_cloudfront(monkeypatch):
    server = FakeCloudFront()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name, value in {
        "AWS_ENDPOINT_URL_CLOUDFRONT": server.url,
        "AWS_ACCESS_KEY_ID": "newsroom-test",
        "AWS_SECRET_ACCESS_KEY": "newsroom-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    yield server
    server.shutdown()
    server.server_close()
