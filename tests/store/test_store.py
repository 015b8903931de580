"""One behaviour, two stores: every test runs on SQLite and on PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest

from newsroom.store import StoreError, open_store
from newsroom.store.clock import now
from newsroom.store.models import NewComment


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/comments.sqlite3"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url):
    store = open_store(store_url)
    store.migrate()
    yield store
    store.close()


def new(**changes) -> NewComment:
    comment = NewComment(
        thread="t",
        parent=None,
        author="Ann",
        email="ann@example.org",
        url="",
        body="Hello",
        body_html="<p>Hello</p>",
        status="pending",
        akismet="ham",
        ip="203.0.113.9",
        user_agent="Browser/1",
        referrer="http://site/a",
        created=now(),
    )
    return replace(comment, **changes)


def test_add_and_get_keep_every_field(store):
    comment = new(url="https://ann.example", parent=None)
    stored = store.get(store.add(comment))
    for name in ("thread", "author", "email", "url", "body", "body_html", "status", "ip"):
        assert getattr(stored, name) == getattr(comment, name)
    assert abs(stored.created - comment.created) < timedelta(milliseconds=1)
    assert stored.feedback is None
    assert store.get(10**12) is None


def test_migrate_twice_and_concurrently(store_url):
    stores = [open_store(store_url) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda s: s.migrate(), stores))
    stores[0].migrate()
    assert stores[1].add(new()) > 0
    for s in stores:
        s.close()


def test_approved_counts_and_thread_order(store):
    first = store.add(new(created=now() - timedelta(minutes=2)))
    second = store.add(new(created=now() - timedelta(minutes=1)))
    store.add(new(thread="other"))
    assert store.set_status([second, first, 999_999], "approved") == [second, first]
    assert [c.id for c in store.published("t")] == [first, second]
    assert store.counts(["t", "other", "none"]) == {"t": 2, "other": 0, "none": 0}
    assert [c.id for c in store.published()] == [first, second]
    assert store.published("other") == []
    (shown,) = store.published("t")[:1]
    assert (shown.author, shown.body_html, shown.parent) == ("Ann", "<p>Hello</p>", None)


def test_select_filters_newest_first(store):
    a = store.add(new(created=now() - timedelta(minutes=1)))
    b = store.add(new(status="spam", akismet="spam"))
    c = store.add(new(thread="x"))
    assert [x.id for x in store.select()] == [c, b, a]
    assert [x.id for x in store.select(status="pending")] == [c, a]
    assert [x.id for x in store.select(status="pending", thread="t")] == [a]
    with pytest.raises(StoreError):
        store.select(status="nonsense")


def test_verdicts_feedback_and_delete(store):
    id = store.add(new(akismet="unchecked"))
    assert [c.id for c in store.unchecked()] == [id]
    store.set_verdict(id, "spam", status="spam")
    assert (store.get(id).akismet, store.get(id).status) == ("spam", "spam")
    assert store.unchecked() == []
    store.set_feedback(id, "spam sent")
    assert store.get(id).feedback == "spam sent"
    assert store.delete([id, id + 1]) == [id]
    assert store.get(id) is None


def test_rate_duplicates_and_known_authors(store):
    store.add(new(created=now() - timedelta(minutes=5)))
    store.add(new(body="Again"))
    assert store.recent_from_ip("203.0.113.9", now() - timedelta(minutes=1)) == 1
    assert store.recent_from_ip("198.51.100.1", now() - timedelta(minutes=1)) == 0
    assert store.is_duplicate("t", "ann@example.org", "Hello", now() - timedelta(minutes=10))
    assert not store.is_duplicate("t", "ann@example.org", "Hello", now() - timedelta(minutes=1))
    assert not store.has_approved_by("ann@example.org")
    store.set_status([store.add(new(body="Third"))], "approved")
    assert store.has_approved_by("ann@example.org")


def test_purge_deletes_old_spam_and_erases_old_addresses(store):
    old = now() - timedelta(days=40)
    old_spam = store.add(new(status="spam", akismet="spam", created=old))
    new_spam = store.add(new(status="spam", akismet="spam"))
    old_ham = store.add(new(created=old))
    fresh = store.add(new())
    assert store.purge(now() - timedelta(days=15), now() - timedelta(days=30)) == (1, 1)
    assert store.get(old_spam) is None
    assert store.get(new_spam) is not None
    assert (store.get(old_ham).ip, store.get(old_ham).user_agent) == (None, None)
    assert store.get(old_ham).body == "Hello"
    assert store.get(fresh).ip == "203.0.113.9"


def test_export_holds_everything(store):
    id = store.add(new())
    (exported,) = store.export()
    assert exported["id"] == id
    assert exported["email"] == "ann@example.org"
    assert exported["ip"] == "203.0.113.9"
    assert exported["created"].endswith("+00:00")


def test_500_writes_from_50_threads_are_all_stored_once(store):
    def write(n: int) -> int:
        return store.add(new(body=f"comment {n}"))

    with ThreadPoolExecutor(50) as pool:
        ids = list(pool.map(write, range(500)))
    assert len(set(ids)) == 500
    bodies = sorted(c["body"] for c in store.export())
    assert bodies == sorted(f"comment {n}" for n in range(500))
