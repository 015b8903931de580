"""`serve`: the built site and the API on one port, in a process of its own."""

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.service import TEST_SECRET_KEY, THREAD, free_port, write_manifest

ROOT = Path(__file__).resolve().parents[2]
SERVE = "from newsroom.service.server import serve; serve('127.0.0.1', {port}, {site!r})"


def built_site(folder: Path) -> Path:
    pages = {
        "index.html": "<h1>Front page</h1>",
        f"articles/{THREAD}/index.html": "<h1>The article</h1>",
        "404.html": "<h1>Our own not-found page</h1>",
        "theme/css/site.css": "body { color: black }",
        ".newsroom/site.json": '{"version": 1}',
        f"articles/{THREAD}/.publish-abc123": "half a page",
    }
    for name, text in pages.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


@pytest.fixture
def serve_with(tmp_path):
    """serve_with(**env) -> (url, log): `serve` in its own process, with only these
    NEWSROOM_ variables (and a secret key)."""
    processes = []

    def start(**extra: str):
        site = built_site(tmp_path / "output")
        port = free_port()
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTHON_AKISMET_", "NEWSROOM_"))
        }
        env |= {
            "NEWSROOM_DATABASE_URL": f"sqlite:///{tmp_path}/c.sqlite3",
            "NEWSROOM_THREADS": str(write_manifest(tmp_path / "threads.json")),
            "NEWSROOM_SECRET_KEY": TEST_SECRET_KEY,
            "PYTHONPATH": str(ROOT),
            **extra,
        }
        log = tmp_path / f"serve-{port}.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [sys.executable, "-c", SERVE.format(port=port, site=str(site))],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/api/health", timeout=1)
                return url, log
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    process.kill()
                    pytest.fail(f"serve did not start:\n{log.read_text()}")
                time.sleep(0.05)

    yield start
    for process in processes:
        process.terminate()
        process.wait(10)


@pytest.fixture
def served(serve_with):
    return serve_with()


def test_site_and_api_on_one_port(served):
    url, log = served
    comment = {"thread": THREAD, "author": "Ann", "email": "ann@example.org", "body": "Hi"}
    with httpx.Client(base_url=url, timeout=10) as client:
        assert "Front page" in client.get("/").text
        article = client.get(f"/articles/{THREAD}/")
        assert (article.status_code, "The article" in article.text) == (200, True)
        assert client.get("/theme/css/site.css").headers["content-type"].startswith("text/css")
        missing = client.get("/articles/no-such-thing/")
        assert (missing.status_code, "Our own not-found page" in missing.text) == (404, True)
        for hidden in ("/.newsroom/site.json", f"/articles/{THREAD}/.publish-abc123"):
            answer = client.get(hidden)  # the build's record, a publish's temporary file
            assert (answer.status_code, "Our own not-found page" in answer.text) == (404, True)
        assert client.get("/api/health").json() == {"status": "ok"}
        assert client.get("/api/nothing-here").status_code == 404
        first = client.post("/api/comments", json=comment)
        second = client.post("/api/comments", json=comment | {"body": "Again"})
        assert [first.status_code, second.status_code] == [202, 202]
        form = client.post("/api/comments", data=comment | {"body": "By form"})
        assert form.status_code == 303
        assert form.headers["location"] == f"/articles/{THREAD}/#comment-pending"
        assert "The article" in client.get(form.headers["location"]).text
    said = log.read_text()
    assert said.count("No Akismet key configured") == 1, said
    assert "Serving" in said


def test_no_built_site_is_a_clear_error(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSROOM_DATABASE_URL": "sqlite:///x.db"}
    script = SERVE.format(port=free_port(), site=str(tmp_path / "missing"))
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode != 0
    assert "No built site" in result.stderr


def trickle(url: str, parts: list[bytes], pause: float, limit: float) -> float:
    """Send ``parts`` one by one, ``pause`` seconds apart (then nothing more), until the
    server closes the connection (then: how long it took) or ``limit`` seconds pass."""
    import socket
    from urllib.parse import urlsplit

    address = urlsplit(url)
    started = time.monotonic()
    waiting = list(parts)
    with socket.create_connection((address.hostname, address.port), timeout=limit) as sock:
        sock.settimeout(pause)
        while time.monotonic() - started < limit:
            try:
                if waiting:
                    sock.sendall(waiting.pop(0))
                if sock.recv(1024) == b"":
                    return time.monotonic() - started  # closed by the server
            except TimeoutError:
                pass  # still connected: go on
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - started
    return limit


def test_a_client_that_trickles_its_headers_is_cut(serve_with):
    url, log = serve_with(NEWSROOM_HEADER_TIMEOUT="2", NEWSROOM_BODY_TIMEOUT="2")
    lines = [b"GET /api/health HTTP/1.1\r\n"] + [b"X-Slow: %d\r\n" % n for n in range(100)]
    assert trickle(url, lines, pause=0.3, limit=10) < 4
    head = (
        b"POST /api/comments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 200\r\n\r\n"
    )
    assert trickle(url, [head] + [b" "] * 100, pause=0.3, limit=10) < 4
    assert trickle(url, [], pause=0.3, limit=10) < 4  # connected, saying nothing
    assert httpx.get(f"{url}/api/health").status_code == 200  # the others are served
    assert "came too slowly" in log.read_text()


def test_one_client_cannot_hold_every_connection(serve_with):
    """Idle sockets from one address are cut past a few dozen, and never reach the
    overall bound: the service keeps answering everyone else."""
    import socket
    from urllib.parse import urlsplit

    url, _ = serve_with(NEWSROOM_MAX_CONNECTIONS="40")
    address = urlsplit(url)
    idle = [socket.create_connection((address.hostname, address.port)) for _ in range(45)]
    try:
        time.sleep(0.3)
        open_ones = []
        for sock in idle:
            sock.settimeout(0.05)
            with contextlib.suppress(TimeoutError):
                if sock.recv(1) != b"":
                    open_ones.append(sock)
                continue
            open_ones.append(sock)  # still open: no answer, no close
        assert len(open_ones) == 32  # past 32 from one address: closed at once
        open_ones[0].close()  # room for one more from this address
        time.sleep(0.2)
        assert httpx.get(f"{url}/api/health").status_code == 200  # under the overall 40
    finally:
        for sock in idle:
            sock.close()


def test_a_huge_request_head_is_refused(serve_with):
    url, _ = serve_with()
    head = b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"x" * 70_000 + b"\r\n\r\n"
    import socket
    from urllib.parse import urlsplit

    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
        try:
            sock.sendall(head)
        except (BrokenPipeError, ConnectionResetError):
            return  # closed while we were still sending: refused too
        answer = sock.recv(1024)
    assert answer.startswith(b"HTTP/1.1 431") or answer == b""


def test_connections_are_bounded(serve_with):
    import socket
    from urllib.parse import urlsplit

    url, _ = serve_with(NEWSROOM_MAX_CONNECTIONS="3")
    address = urlsplit(url)
    idle = [socket.create_connection((address.hostname, address.port)) for _ in range(3)]
    try:
        time.sleep(0.3)
        assert httpx.get(f"{url}/api/health").status_code == 503
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.3)
    assert httpx.get(f"{url}/api/health").status_code == 200


def test_serve_runs_the_jobs_by_itself(serve_with, fake_akismet, tmp_path):
    """A comment held unchecked (Akismet was down) is rechecked with nobody at a
    terminal: `serve` runs the due jobs when it starts and every minute after."""
    from newsroom.comments.store import open_store
    from tests.support.comments import new

    store = open_store(f"sqlite:///{tmp_path}/c.sqlite3")
    store.migrate()
    held = store.add(new(akismet="unchecked", thread=THREAD))
    fake_akismet.answer_with("ham")
    serve_with(**fake_akismet.env())
    deadline = time.monotonic() + 10
    while (
        time.monotonic() < deadline and store.jobs().get("recheck", {}).get("last_result") is None
    ):
        time.sleep(0.1)  # the job files the comment, then records its result
    assert store.get(held).akismet == "ham"
    assert store.jobs()["recheck"]["last_result"] == "1 filed, 0 still unchecked"
    store.close()
