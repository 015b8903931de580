"""`newsroom comments …`, run as a moderator would, on SQLite and PostgreSQL."""

import json
import subprocess
import sys
from datetime import timedelta

import pytest

from newsroom.store import open_store
from newsroom.store.clock import now
from tests.store.test_store import new
from tests.support.service import THREAD, write_manifest


@pytest.fixture(params=["sqlite", "postgresql"])
def moderation(request, tmp_path, monkeypatch, fake_akismet):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/comments.sqlite3"
    else:
        url = request.getfixturevalue("postgres_url")
    env = {
        "NEWSROOM_DATABASE_URL": url,
        "NEWSROOM_THREADS": str(write_manifest(tmp_path / "threads.json")),
        **fake_akismet.env(),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    store = open_store(url)
    store.migrate()
    yield store, env
    store.close()


def run(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsroom.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_list_show_and_json(moderation):
    store, _ = moderation
    first = store.add(new(body="First comment", created=now() - timedelta(minutes=1)))
    second = store.add(new(body="Second comment", thread="other"))
    table = run("comments", "list").stdout
    assert table.splitlines()[0].split() == [
        "ID", "STATUS", "AKISMET", "CREATED", "THREAD", "AUTHOR", "COMMENT"
    ]  # fmt: skip
    assert [line.split()[0] for line in table.splitlines()[1:]] == [str(second), str(first)]
    listed = json.loads(run("comments", "list", "--thread", "t", "--json").stdout)
    assert [c["id"] for c in listed] == [first]
    for key in ("id", "thread", "status", "akismet", "author", "email", "body", "created"):
        assert key in listed[0]
    shown = run("comments", "show", str(first)).stdout
    assert "ann@example.org" in shown and "First comment" in shown
    assert run("comments", "show", "999999").returncode == 1


def test_approve_reject_delete(moderation):
    store, _ = moderation
    a, b, c = (store.add(new(body=f"c{i}")) for i in range(3))
    result = run("comments", "approve", str(a))
    assert result.returncode == 0, result.stderr
    assert store.get(a).status == "approved"
    assert run("comments", "reject", str(b)).returncode == 0
    assert store.get(b).status == "rejected"
    assert run("comments", "delete", str(c)).returncode == 0
    assert store.get(c) is None
    missing = run("comments", "approve", "424242")
    assert missing.returncode == 1
    assert "no comment 424242" in missing.stderr


def test_spam_and_ham_are_reported_to_akismet(moderation, fake_akismet):
    store, _ = moderation
    a = store.add(new(thread=THREAD, body="Actually spam"))
    b = store.add(new(thread=THREAD, body="Actually fine", status="spam", akismet="spam"))
    assert run("comments", "spam", str(a)).returncode == 0
    assert run("comments", "ham", str(b)).returncode == 0
    assert (store.get(a).status, store.get(a).feedback) == ("spam", "spam sent")
    assert (store.get(b).status, store.get(b).akismet, store.get(b).feedback) == (
        "pending",
        "ham",
        "ham sent",
    )
    (spam,) = fake_akismet.calls("submit-spam")
    (ham,) = fake_akismet.calls("submit-ham")
    assert spam["comment_content"] == "Actually spam"
    assert spam["user_ip"] == "203.0.113.9"
    assert spam["permalink"] == f"http://127.0.0.1:8000/articles/{THREAD}/"  # the blog URL
    assert ham["comment_content"] == "Actually fine"


def test_a_failed_report_is_recorded(moderation, fake_akismet):
    store, _ = moderation
    a = store.add(new())
    fake_akismet.answer_with("invalid")
    result = run("comments", "spam", str(a))
    assert store.get(a).status == "spam"
    assert store.get(a).feedback.startswith("spam failed")
    assert "invalid" in result.stderr
    assert "fake-key" not in result.stderr + result.stdout


def test_recheck_files_unchecked_comments(moderation, fake_akismet):
    store, _ = moderation
    ham = store.add(new(thread=THREAD, akismet="unchecked", body="fine"))
    spam = store.add(new(thread=THREAD, akismet="unchecked", body="buy pills"))
    fake_akismet.answer_with("ham")
    assert run("comments", "recheck").returncode == 0
    assert (store.get(ham).akismet, store.get(ham).status) == ("ham", "pending")
    checks = fake_akismet.calls("comment-check")
    assert [c["recheck_reason"] for c in checks] == ["retry", "retry"]
    assert checks[0]["permalink"] == f"http://127.0.0.1:8000/articles/{THREAD}/"
    store.set_verdict(spam, "unchecked")
    fake_akismet.answer_with("spam")
    assert run("comments", "recheck").returncode == 0
    assert (store.get(spam).akismet, store.get(spam).status) == ("spam", "spam")


def test_recheck_reports_what_is_still_unchecked(moderation, fake_akismet):
    store, _ = moderation
    id = store.add(new(akismet="unchecked"))
    fake_akismet.answer_with("error")
    result = run("comments", "recheck")
    assert result.returncode == 1
    assert f"comment {id} still unchecked" in result.stderr
    assert store.get(id).akismet == "unchecked"


def test_purge_and_export(moderation, tmp_path):
    store, _ = moderation
    old = now() - timedelta(days=40)
    store.add(new(status="spam", akismet="spam", created=old))
    kept = store.add(new(created=old))
    result = run("comments", "purge")
    assert "Deleted 1 spam comments; erased addresses from 1 comments." in result.stdout
    target = tmp_path / "export.json"
    assert run("comments", "export", "--output", str(target)).returncode == 0
    (exported,) = json.loads(target.read_text())
    assert exported["id"] == kept
    assert exported["ip"] is None


def test_approve_calls_the_rebuild_hook(moderation, monkeypatch):
    import threading
    from http.server import ThreadingHTTPServer

    from tests.test_rebuild import Hook  # a recording HTTP server

    handler = type("H", (Hook,), {"answer": 200, "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    store, _ = moderation
    id = store.add(new())
    hook = f"http://127.0.0.1:{server.server_port}/hook"
    monkeypatch.setenv("NEWSROOM_REBUILD_HOOK_URL", hook)
    assert run("comments", "approve", str(id)).returncode == 0
    server.shutdown()
    server.server_close()
    assert [path for path, _ in handler.received] == ["/hook"]
