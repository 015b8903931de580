"""One behaviour, two stores: every test runs on SQLite and on PostgreSQL."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from newsroom.comments.signing import Signer
from newsroom.comments.store import StoreError, open_store
from newsroom.comments.store.clock import now
from newsroom.comments.store.migrations import LATEST
from tests.support.comments import new


def test_add_and_get_keep_every_field(store):
    comment = new(url="https://ann.example", parent=None)
    stored = store.get(store.add(comment))
    for name in ("thread", "author", "email", "url", "body", "body_html", "status", "ip"):
        assert getattr(stored, name) == getattr(comment, name)
    assert abs(stored.created - comment.created) < timedelta(milliseconds=1)
    assert stored.feedback is None
    assert store.get(10**12) is None


def test_add_many_stores_all_in_order_or_none(store):
    ids = store.add_many([new(body=f"#{n}") for n in range(5)])
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert [store.get(i).body for i in ids] == [f"#{n}" for n in range(5)]
    with pytest.raises(StoreError, match="status"):
        store.add_many([new(body="kept?"), new(status="published")])
    with pytest.raises(ValueError, match="naive"):
        store.add_many([new(body="kept?"), new(created=datetime(2026, 3, 1))])
    assert len(store.export()) == 5


def test_a_reserved_id_is_never_given_and_leaves_no_row(store):
    first = store.add(new())
    reserved = store.reserve_id()
    later = store.add(new(body="later"))
    assert first < reserved < later
    assert [c["id"] for c in store.export()] == [first, later]


def test_times_come_back_aware_and_in_utc(store):
    written = datetime(2026, 3, 1, 23, 30, 15, 123456, tzinfo=UTC)
    stored = store.get(store.add(new(created=written)))
    assert stored.created == written
    assert stored.created.utcoffset() == timedelta(0)
    assert stored.updated == written  # untouched since it was written
    store.set_feedback(stored.id, "ham sent")
    assert store.get(stored.id).updated > written
    with pytest.raises(ValueError, match="naive"):
        store.add(new(created=datetime(2026, 3, 1)))


def test_add_refuses_an_unknown_status_or_verdict(store):
    with pytest.raises(StoreError, match="status"):
        store.add(new(status="published"))
    with pytest.raises(StoreError, match="akismet"):
        store.add(new(akismet="maybe"))
    assert store.export() == []


def test_ping_answers(store):
    store.ping()


def test_migrate_twice_and_concurrently(store_url):
    stores = [open_store(store_url) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda s: s.migrate(), stores))
    stores[0].migrate()
    assert stores[1].add(new()) > 0
    assert versions(stores[2]) == list(range(1, LATEST + 1))
    for s in stores:
        s.close()


def versions(store) -> list[int]:
    rows = store._read("SELECT version FROM schema_migrations ORDER BY version")
    return [row["version"] for row in rows]  # rows are read by column name


MIGRATE = (
    "import sys; from newsroom.comments.store import open_store; open_store(sys.argv[1]).migrate()"
)


def test_processes_starting_at_once_all_migrate(store_url):
    """Four processes on a store nobody has opened yet: each must come up."""
    starters = [
        subprocess.Popen([sys.executable, "-c", MIGRATE, store_url], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    for starter in starters:
        assert starter.wait(timeout=60) == 0, starter.stderr.read().decode()
        starter.stderr.close()
    store = open_store(store_url)
    assert versions(store) == list(range(1, LATEST + 1))
    assert store.add(new()) > 0
    store.close()


ADD_MANY = """
import sys
from tests.support.comments import new
from newsroom.comments.store import open_store
store = open_store(sys.argv[1])
ids = [store.add(new(body=f"{sys.argv[2]}-{n}")) for n in range(100)]
print(" ".join(map(str, ids)))
"""


def test_writers_in_four_processes_lose_nothing(store, store_url):
    """BEGIN IMMEDIATE (SQLite) and the pool (PostgreSQL) across processes, not threads."""
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", ADD_MANY, store_url, f"p{n}"], stdout=subprocess.PIPE, text=True
        )
        for n in range(4)
    ]
    acknowledged = []
    for writer in writers:
        out, _ = writer.communicate(timeout=60)
        assert writer.returncode == 0
        acknowledged += [int(id) for id in out.split()]
    stored = {c["id"]: c["body"] for c in store.export()}
    assert sorted(stored) == sorted(acknowledged)
    assert sorted(stored.values()) == sorted(f"p{p}-{n}" for p in range(4) for n in range(100))


def test_a_new_numbered_migration_is_applied_once(store, monkeypatch):
    from newsroom.comments.store import migrations

    index = "CREATE INDEX IF NOT EXISTS comments_referrer ON comments (referrer)"
    monkeypatch.setattr(
        migrations, "MIGRATIONS", [*migrations.MIGRATIONS, (LATEST + 1, {"common": [index]})]
    )
    kept = store.add(new())
    store.migrate()
    store.migrate()
    assert versions(store) == list(range(1, LATEST + 2))
    assert store.get(kept).body == "Hello"  # the data stays


def test_ids_that_cannot_exist_find_nothing(store):
    id = store.add(new())
    for impossible in (0, -1, 2**63, 10**30):
        assert store.get(impossible) is None
    assert store.set_status([10**30, id, id, -5], "approved") == [id]
    assert store.delete([2**64, 0]) == []
    store.set_verdict(10**30, "spam")
    store.set_feedback(-1, "spam sent")
    assert store.get(id).akismet == "ham"


def test_approved_counts_and_thread_order(store):
    first = store.add(new(created=now() - timedelta(minutes=2)))
    second = store.add(new(created=now() - timedelta(minutes=1)))
    store.add(new(thread="other"))
    assert store.set_status([second, first, 999_999], "approved") == [second, first]
    assert [c.id for c in store.published("t")] == [first, second]
    assert store.counts(["t", "other", "none"]) == {"t": 2, "other": 0, "none": 0}
    assert store.counts([]) == {}
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
    store.set_verdict(id, "ham")
    assert (store.get(id).akismet, store.get(id).status) == ("ham", "pending")
    store.set_verdict(id, "unchecked")
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
    assert store.recent_from_group("203.0.113.9", now() - timedelta(minutes=1)) == 1
    assert store.recent_from_group("198.51.100.1", now() - timedelta(minutes=1)) == 0
    assert store.is_duplicate("t", "ann@example.org", "Hello", now() - timedelta(minutes=10))
    assert not store.is_duplicate("t", "ann@example.org", "Hello", now() - timedelta(minutes=1))
    assert not store.is_duplicate("u", "ann@example.org", "Hello", now() - timedelta(minutes=10))
    assert not store.is_duplicate("t", "bob@example.org", "Hello", now() - timedelta(minutes=10))
    assert not store.has_approved_with("key-of-ann")
    store.set_status([store.add(new(body="Third", author_key="key-of-ann"))], "approved")
    assert store.has_approved_with("key-of-ann")
    assert not store.has_approved_with("key-of-bob")


def test_purge_deletes_old_spam_and_erases_old_addresses(store):
    old = now() - timedelta(days=40)
    old_spam = store.add(new(status="spam", akismet="spam", created=old))
    new_spam = store.add(new(status="spam", akismet="spam"))
    old_ham = store.add(new(created=old))
    fresh = store.add(new())
    assert store.purge(now() - timedelta(days=15), now() - timedelta(days=30)) == (1, 1)
    assert store.get(old_spam) is None
    assert store.get(new_spam) is not None
    erased = store.get(old_ham)
    assert (erased.ip, erased.user_agent, erased.referrer) == (None, None, None)
    assert erased.ip_group is None
    kept = dict(vars(new(created=old)), ip=None, ip_group=None, user_agent=None, referrer=None)
    assert {name: getattr(erased, name) for name in kept} == kept  # nothing else touched
    assert (store.get(fresh).ip, store.get(fresh).user_agent) == ("203.0.113.9", "Browser/1")
    assert store.purge(now() - timedelta(days=15), now() - timedelta(days=30)) == (0, 0)


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
    stored = {c["id"]: c["body"] for c in store.export()}
    assert len(store.export()) == 500
    assert stored == {id: f"comment {n}" for n, id in enumerate(ids)}


def test_single_use_tokens_carry_an_id_the_store_spends_once(store):
    signer = Signer("k" * 40)
    first = signer.verify("link", signer.sign("link", {}, timedelta(hours=1), single_use=True))
    second = signer.verify("link", signer.sign("link", {}, timedelta(hours=1), single_use=True))
    assert first.token_id and first.token_id != second.token_id
    assert store.spend_token(first.token_id, first.expires) is True
    assert store.spend_token(first.token_id, first.expires) is False  # spent
    assert store.spend_token(second.token_id, second.expires) is True


def test_refused_addresses_are_kept_only_as_a_keyed_hash(store):
    """Spam and rejected comments past the retention keep the address only as a hash:
    enough to count what an address had refused; pending ones are never touched."""
    from newsroom.comments.signing import email_hash

    signer = Signer("k" * 40)
    old = now() - timedelta(days=40)
    spam = store.add(new(status="spam", akismet="spam", created=old, email="Spam@x.org"))
    rejected = store.add(new(status="rejected", created=old, email="spam@x.org"))
    waiting = store.add(new(status="pending", created=old, email="spam@x.org"))
    fresh = store.add(new(status="spam", akismet="spam", email="spam@x.org"))
    hashed = email_hash(signer, "spam@x.org")
    assert store.refused_count("spam@x.org", hashed) == 3
    erased = store.erase_refused_emails(now() - timedelta(days=30), lambda e: email_hash(signer, e))
    assert erased == 2
    for id in (spam, rejected):
        assert (store.get(id).email, store.get(id).email_hash) == ("", hashed)
    assert store.get(waiting).email == "spam@x.org" and store.get(fresh).email == "spam@x.org"
    assert store.refused_count("SPAM@x.org", hashed) == 3  # the history still counts
    assert store.erase_refused_emails(now() - timedelta(days=30), lambda e: "never") == 0


@pytest.mark.parametrize("delete", [False, True])
def test_a_readers_right_to_erasure(store, delete):
    from newsroom.comments.model import Comment
    from newsroom.comments.store.base import ERASED_AUTHOR

    ann = [
        store.add(new(status="approved", email="ann@example.org", url="https://ann.example")),
        store.add(new(status="pending", email="ANN@example.org", body="Second")),
        store.add(new(status="spam", email="", email_hash="ann-hash", body="Hashed")),
    ]
    bob = store.add(new(email="bob@example.org", author="Bob"))
    assert sorted(store.erase_person(" ann@example.org", "ann-hash", delete=delete)) == ann
    if delete:
        assert [store.get(id) for id in ann] == [None, None, None]
    else:
        for id in ann:
            comment: Comment = store.get(id)
            assert comment.author == ERASED_AUTHOR
            assert (comment.email, comment.email_hash, comment.url) == ("", None, "")
            assert (comment.ip, comment.ip_group, comment.user_agent) == (None, None, None)
            assert (comment.referrer, comment.author_key) == (None, None)
        assert store.get(ann[1]).body == "Second"  # the text stays, anonymised
    assert store.get(bob).author == "Bob" and store.get(bob).email == "bob@example.org"


def test_verify_once_spends_the_token(store):
    from newsroom.comments.signing import BadToken

    signer = Signer("k" * 40)
    once = signer.sign("link", {"id": 7}, timedelta(hours=1), single_use=True)
    assert signer.verify_once("link", once, store.spend_token).data == {"id": 7}
    with pytest.raises(BadToken, match="used already"):
        signer.verify_once("link", once, store.spend_token)
    reusable = signer.sign("link", {"id": 7}, timedelta(hours=1))
    with pytest.raises(BadToken):
        signer.verify_once("link", reusable, store.spend_token)


def test_erasure_finds_an_address_in_any_case_and_never_everyone(store):
    mine = store.add(new(email="ÉLODIE@example.fr"))
    hashed_other = store.add(new(status="spam", email="", email_hash="someone-else"))
    assert store.erase_person("élodie@example.fr", None) == [mine]
    assert store.refused_count("élodie@example.fr", None) == 0
    with pytest.raises(StoreError, match="no e-mail address"):
        store.erase_person("  ", None, delete=True)
    assert store.get(hashed_other) is not None
