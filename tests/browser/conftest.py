"""A whole newsroom for the browser tests: the demo site built, `newsroom serve` running,
a fake Akismet, and the moderator's command at hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.akismet import start_fake_akismet
from tests.support.command import newsroom as newsroom_command
from tests.support.service import free_port
from tests.support.site import ROOT, build, demo_project

SEED_SLUG = "iran-signs-deal-with-syria-to-deepen-military-cooperation"


@dataclass
class Newsroom:
    root: Path
    url: str
    env: dict
    akismet: object
    verify: object = True  # what httpx trusts: the test's certificate over HTTPS

    def article_url(self, slug: str = SEED_SLUG) -> str:
        return f"{self.url}/articles/{slug}/"

    def command(self, *args: str, stdin: str = "") -> str:
        result = newsroom_command(*args, env=self.env, stdin=stdin)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def moderate(self, *args: str) -> str:
        return self.command("comments", *args)

    def comments(self, status: str = "all") -> list[dict]:
        return json.loads(self.moderate("list", "--status", status, "--json"))

    def rebuild(self) -> None:
        build(self.root, env=self.env)


def serve_project(root: Path, env: dict, tls=None) -> tuple[subprocess.Popen, str]:
    """`newsroom serve` in a built project, up and answering; with ``tls`` (a
    tests.support.tls.SelfSigned), over HTTPS."""
    port = free_port()
    command = [sys.executable, "-m", "newsroom.cli", "serve", "--port", str(port)]
    if tls is not None:
        command += ["--certfile", str(tls.cert), "--keyfile", str(tls.key)]
    server = subprocess.Popen(
        command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    verify = tls.trusting_context() if tls else True
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{url}/api/health", timeout=1, verify=verify).raise_for_status()
            return server, url
        except httpx.HTTPError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("newsroom serve did not start") from None
            time.sleep(0.1)


@contextmanager
def running_newsroom(root: Path, tls=None, kind: type[Newsroom] = Newsroom) -> Iterator[Newsroom]:
    """The demo site built in ``root`` and served (over HTTPS with ``tls``, a
    tests.support.tls.SelfSigned), with a fake Akismet; all stopped afterwards. ``kind``:
    a Newsroom with more helpers."""
    demo_project(root)
    fake, akismet_server = start_fake_akismet()
    env = {
        **os.environ,
        **fake.env(),
        "NEWSROOM_DATABASE_URL": f"sqlite:///{root}/var/comments.sqlite3",
        "NEWSROOM_THREADS": str(root / "output" / "threads.json"),
        "NEWSROOM_RATE_LIMIT": "0",
        "PYTHONPATH": str(ROOT),
    }
    build(root, env=env)
    server, url = serve_project(root, env, tls)
    try:
        yield kind(root, url, env, fake, tls.trusting_context() if tls else True)
    finally:
        server.terminate()
        server.wait(10)
        akismet_server.shutdown()
        akismet_server.server_close()


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    with running_newsroom(tmp_path_factory.mktemp("newsroom")) as made:
        yield made
