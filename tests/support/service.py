"""The comment service for real: uvicorn on 127.0.0.1, a thread manifest, a store."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from newsroom.service.app import create_app
from newsroom.service.settings import ServiceSettings
from tests.support.keys import TEST_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
THREAD = "iran-signs-deal"
OTHER_THREAD = "council-budget"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_manifest(path: Path, slugs=(THREAD, OTHER_THREAD), site_url="") -> Path:
    threads = {
        slug: {
            "title": f"Title of {slug}",
            "url": f"articles/{slug}/",
            "permalink": f"{site_url}/articles/{slug}/",
            "published": "2018-08-27T09:00:00+00:00",
            "modified": "2018-08-28T10:30:00+00:00",
            "lang": "en",
        }
        for slug in slugs
    }
    path.write_text(json.dumps({"version": 1, "site_url": site_url, "threads": threads}))
    return path


def start_server(tmp_path: Path, database_url: str, port: int) -> subprocess.Popen:
    """`newsroom serve` in its own process, with no rate limit."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "NEWSROOM_DATABASE_URL": database_url,
        "NEWSROOM_THREADS": str(write_manifest(tmp_path / "threads.json")),
        "NEWSROOM_RATE_LIMIT": "0",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "newsroom.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--site", str(site)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


@dataclass
class RunningService:
    url: str
    settings: ServiceSettings
    app: object
    uds: str | None = None  # a UNIX socket instead of a port: clients have no address
    tls: object = None  # the certificate it serves HTTPS with, which its clients trust

    def client(self, **kwargs) -> httpx.Client:
        if self.uds is not None:
            kwargs["transport"] = httpx.HTTPTransport(uds=self.uds)
        if self.tls is not None:
            kwargs.setdefault("verify", self.tls.trusting_context())
        return httpx.Client(base_url=self.url, timeout=10, **kwargs)

    @property
    def store(self):
        return self.app.state.service.store.opened()


class ServiceRunner:
    """Starts the app under uvicorn in a thread; stops it at the end of the test."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(
        self,
        env: dict | None = None,
        database_url: str | None = None,
        uds: bool = False,
        tls=None,  # a tests.support.tls.SelfSigned: serve HTTPS with it
    ) -> RunningService:
        manifest = write_manifest(self.tmp_path / "threads.json")
        environ = {
            "NEWSROOM_DATABASE_URL": database_url or f"sqlite:///{self.tmp_path}/c.sqlite3",
            "NEWSROOM_THREADS": str(manifest),
            "NEWSROOM_RATE_LIMIT": "0",
            "NEWSROOM_SECRET_KEY": TEST_SECRET_KEY,
            **(env or {}),
        }
        settings = ServiceSettings.from_env(environ)
        app = create_app(settings)
        port = free_port()
        socket_path = str(self.tmp_path / f"service-{port}.sock") if uds else None
        # As `newsroom serve`: the app alone decides whom X-Forwarded-For is believed from.
        certificate = {"ssl_certfile": str(tls.cert), "ssl_keyfile": str(tls.key)} if tls else {}
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, uds=socket_path, log_level="warning",
            proxy_headers=False, **certificate,
        )  # fmt: skip
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the comment service did not start")
            time.sleep(0.02)
        self.servers.append((server, thread))
        scheme = "https" if tls else "http"
        return RunningService(f"{scheme}://127.0.0.1:{port}", settings, app, socket_path, tls)

    def stop(self) -> None:
        for server, thread in self.servers:
            server.should_exit = True
            thread.join(10)


@pytest.fixture
def service_runner(tmp_path):
    runner = ServiceRunner(tmp_path)
    yield runner
    runner.stop()


@pytest.fixture
def service(service_runner, fake_akismet):
    """The service with Akismet (the fake, answering ham), every comment moderated."""
    return service_runner.start(fake_akismet.env())
