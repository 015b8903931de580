"""Under load, and through a crash: every acknowledged comment is stored exactly once."""

import asyncio
import signal
import time
from pathlib import Path

import httpx
import pytest

from newsroom.comments.store import open_store
from tests.support.service import THREAD, free_port, start_server

ROOT = Path(__file__).resolve().parents[2]


def body(n: int) -> dict:
    return {
        "thread": THREAD,
        "author": f"Reader {n}",
        "email": f"r{n}@example.org",
        "body": f"#{n}",
    }


async def post_all(
    url: str, total: int, clients: int, acknowledged: list[int] | None = None
) -> list[int]:
    """`total` posts from `clients` concurrent connections; the ids acknowledged with 202,
    appended to `acknowledged` as they come."""
    queue = list(range(total))
    acknowledged = [] if acknowledged is None else acknowledged

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            while queue:
                n = queue.pop()
                try:
                    answer = await http.post("/api/comments", json=body(n))
                except httpx.HTTPError:
                    continue  # not acknowledged: nothing promised
                if answer.status_code == 202:
                    acknowledged.append(answer.json()["id"])

    await asyncio.gather(*(client() for _ in range(clients)))
    return acknowledged


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/load.sqlite3"
    return request.getfixturevalue("postgres_url")


def test_500_posts_from_50_clients(service_runner, fake_akismet, database_url):
    service = service_runner.start(fake_akismet.env(), database_url=database_url)
    acknowledged = asyncio.run(post_all(service.url, total=500, clients=50))
    assert len(acknowledged) == 500
    assert len(set(acknowledged)) == 500
    stored = service.store.export()
    assert sorted(c["id"] for c in stored) == sorted(acknowledged)
    assert sorted(c["body"] for c in stored) == sorted(f"#{n}" for n in range(500))


def test_sigkill_in_the_middle_of_a_load_loses_nothing_acknowledged(tmp_path, database_url):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(tmp_path, database_url, port)

    async def load_then_kill() -> list[int]:
        acknowledged: list[int] = []
        posting = asyncio.create_task(post_all(url, 3000, clients=20, acknowledged=acknowledged))
        deadline = time.monotonic() + 60
        # mid-load: once posts are being acknowledged (a slow machine takes longer to start)
        while len(acknowledged) < 100 and time.monotonic() < deadline and not posting.done():
            await asyncio.sleep(0.05)
        server.send_signal(signal.SIGKILL)
        return await posting

    try:
        acknowledged = asyncio.run(load_then_kill())
    finally:
        server.kill()
        server.wait(10)
    assert 0 < len(acknowledged) < 3000, "the kill should land in the middle of the load"

    restarted = start_server(tmp_path, database_url, port)
    try:
        assert httpx.get(f"{url}/api/health").status_code == 200
    finally:
        restarted.terminate()
        restarted.wait(10)
    store = open_store(database_url)
    try:
        stored_ids = {c["id"] for c in store.export()}
    finally:
        store.close()
    assert set(acknowledged) <= stored_ids


def test_akismet_calls_do_not_queue_behind_each_other(service_runner, fake_akismet):
    """100 posts from 50 clients while Akismet takes 200 ms each: in a queue, 20 s."""
    service = service_runner.start(fake_akismet.env())
    fake_akismet.answer_with("ham", delay_ms=200)
    started = time.monotonic()
    acknowledged = asyncio.run(post_all(service.url, total=100, clients=50))
    elapsed = time.monotonic() - started
    assert len(acknowledged) == 100
    assert len(fake_akismet.calls("comment-check")) == 100
    assert elapsed < 8, f"100 posts took {elapsed:.1f} s: Akismet calls queued"
    assert {c["akismet"] for c in service.store.export()} == {"ham"}


async def post_at_once(url: str, posts: list[dict]) -> list[int]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        answers = await asyncio.gather(*(http.post("/api/comments", json=p) for p in posts))
    return sorted(a.status_code for a in answers)


def test_posts_sent_at_once_cannot_slip_past_the_rate_limit(service_runner, fake_akismet):
    service = service_runner.start({**fake_akismet.env(), "NEWSROOM_RATE_LIMIT": "5"})
    fake_akismet.answer_with("ham", delay_ms=100)  # every post is in flight at once
    statuses = asyncio.run(post_at_once(service.url, [body(n) for n in range(30)]))
    assert statuses == [202] * 5 + [429] * 25
    assert len(service.store.export()) == 5


def test_the_same_comment_sent_at_once_is_stored_once(service_runner, fake_akismet):
    service = service_runner.start(fake_akismet.env())
    fake_akismet.answer_with("ham", delay_ms=100)
    statuses = asyncio.run(post_at_once(service.url, [body(1)] * 10))
    assert statuses == [202] + [409] * 9
    assert len(service.store.export()) == 1
