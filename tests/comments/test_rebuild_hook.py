"""The rebuild hook against real HTTP servers on loopback."""

import logging
import threading
from http.server import ThreadingHTTPServer

import pytest

from newsroom.comments import rebuild_hook as rebuild
from tests.support.hook import Hook


@pytest.fixture
def hook_server():
    def start(answer):
        handler = type("H", (Hook,), {"answer": answer, "received": []})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/build_hooks/s3cr3t", handler.received

    servers = []
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_approval_posts_to_the_hook(hook_server):
    url, received = hook_server(200)
    assert rebuild.after_change({"NEWSROOM_REBUILD_HOOK_URL": url}) is True
    assert received == [("/build_hooks/s3cr3t", b"{}")]


def test_no_hook_configured_does_nothing():
    assert rebuild.after_change({}) is None


@pytest.mark.parametrize("answer", [404, 500])
def test_a_failing_hook_is_logged_without_its_secret(hook_server, caplog, answer):
    url, received = hook_server(answer)
    with caplog.at_level(logging.ERROR):
        assert rebuild.after_change({"NEWSROOM_REBUILD_HOOK_URL": url}) is False
    assert len(received) == 1
    assert f"HTTP {answer}" in caplog.text
    assert "rebuild the site by hand" in caplog.text
    assert "s3cr3t" not in caplog.text


def test_an_unreachable_hook_is_logged(caplog):
    import socket

    with socket.socket() as sock:  # a port with nobody listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with caplog.at_level(logging.ERROR):
        assert rebuild.trigger(f"http://127.0.0.1:{port}/hook", timeout=2) is False
    assert "failed" in caplog.text
