"""When the store fails, the service says 503 and promises nothing; it never answers 500."""

import asyncio
import concurrent.futures
import sqlite3
import time

import httpx

import newsroom.comments.store.sqlite
from newsroom.service.app import create_app
from newsroom.service.settings import ServiceSettings
from tests.support.service import TEST_SECRET_KEY, THREAD, write_manifest

COMMENT = {"thread": THREAD, "author": "Ann", "email": "ann@example.org", "body": "Hello"}


def test_a_locked_store_answers_503_and_stores_nothing(service_runner, fake_akismet, monkeypatch):
    # A real fault: another process holds SQLite's write lock longer than the busy timeout.
    monkeypatch.setattr(newsroom.comments.store.sqlite, "BUSY_TIMEOUT_SECONDS", 0.3)
    service = service_runner.start(fake_akismet.env())
    with service.client() as client:
        assert client.get("/api/health").status_code == 200
        locker = sqlite3.connect(service.settings.comments.database_url.removeprefix("sqlite:///"))
        locker.execute("BEGIN EXCLUSIVE")
        try:
            refused = client.post("/api/comments", json=COMMENT)
            form = client.post("/api/comments", data=COMMENT | {"body": "Kept text"})
        finally:
            locker.rollback()
            locker.close()
        accepted = client.post("/api/comments", json=COMMENT | {"body": "Later"})
    assert refused.status_code == 503
    assert "try again" in refused.json()["errors"]["request"]
    assert refused.headers["Retry-After"] == "30"
    assert form.status_code == 503
    assert form.headers["content-type"].startswith("text/html")
    assert "Kept text" in form.text
    assert accepted.status_code == 202
    assert [c["body"] for c in service.store.export()] == ["Later"]


def test_an_unreachable_store(tmp_path):
    # A store that cannot even be opened (a file under /dev/null). No lifespan here, as
    # on Lambda: the store is opened at the first request that needs it.
    settings = ServiceSettings.from_env(
        {
            "NEWSROOM_DATABASE_URL": "sqlite:////dev/null/nowhere/comments.sqlite3",
            "NEWSROOM_THREADS": str(write_manifest(tmp_path / "threads.json")),
            "NEWSROOM_SECRET_KEY": TEST_SECRET_KEY,
        }
    )
    app = create_app(settings)

    async def ask():
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://news.example") as c:
            return [
                await c.get("/api/health"),
                await c.get("/api/comments", params={"thread": THREAD}),
                await c.get("/api/comments/counts", params={"thread": THREAD}),
                await c.post("/api/comments", json=COMMENT),
            ]

    health, listing, counts, posted = asyncio.run(ask())
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable"}
    for answer in (listing, counts, posted):
        assert answer.status_code == 503, answer.text
        assert answer.json()["errors"]["request"]
        assert "/dev/null" not in answer.text  # the reason goes to the log only


def test_postgresql_failing_under_the_service_answers_503_then_recovers(
    service_runner, fake_akismet, postgres_url
):
    # A real fault on the async path: the table is gone for a moment (as in a botched
    # migration); reads and writes fail in PostgreSQL itself, then work again.
    import psycopg

    service = service_runner.start(fake_akismet.env(), database_url=postgres_url)
    with service.client() as client, psycopg.connect(postgres_url, autocommit=True) as admin:
        first = client.post("/api/comments", json=COMMENT | {"body": "Before"})
        assert first.status_code == 202
        admin.execute("ALTER TABLE comments RENAME TO comments_away")
        try:
            read = client.get("/api/comments", params={"thread": THREAD})
            refused = client.post("/api/comments", json=COMMENT | {"body": "During"})
        finally:
            admin.execute("ALTER TABLE comments_away RENAME TO comments")
        # and between the duplicate check and the insert, while Akismet thinks
        fake_akismet.answer_with("ham", delay_ms=400)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            posting = pool.submit(client.post, "/api/comments", json=COMMENT | {"body": "Mid"})
            time.sleep(0.2)
            admin.execute("ALTER TABLE comments RENAME TO comments_away")
            try:
                unsaved = posting.result(10)
            finally:
                admin.execute("ALTER TABLE comments_away RENAME TO comments")
        fake_akismet.answer_with("ham")
        later = client.post("/api/comments", json=COMMENT | {"body": "After"})
    assert read.status_code == 503 and refused.status_code == 503
    assert unsaved.status_code == 503
    assert "postgres" not in refused.text.lower()  # the reason goes to the log, not out
    assert later.status_code == 202
    assert sorted(c["body"] for c in service.store.export()) == ["After", "Before"]
