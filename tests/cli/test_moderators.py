"""`newsroom moderators …` and `newsroom comments log`, as an operator runs them, on both
stores."""

import json

import pytest

from newsroom.comments import sessions
from newsroom.comments.store.clock import now
from tests.support.command import newsroom as run
from tests.support.comments import new

PASSWORD = "correct horse battery staple"


@pytest.fixture
def env(store_url, tmp_path, monkeypatch):
    environment = {"NEWSROOM_DATABASE_URL": store_url, "NEWSROOM_THREADS": str(tmp_path / "t")}
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    return environment


def test_add_list_set_password_and_remove(env, store):
    added = run("moderators", "add", "Ed@News.Example", "--name", "Ed", "--role", "admin",
                "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "Added admin ed@news.example (Ed)." in added.stdout
    assert PASSWORD not in added.stdout + added.stderr
    listed = run("moderators", "list").stdout
    assert "ed@news.example" in listed and "admin" in listed
    opened = sessions.sign_in(store, "ed@news.example", PASSWORD, "1.2.3.4", now())

    again = run("moderators", "add", "ed@news.example", "--password-stdin", stdin=PASSWORD)
    assert again.returncode == 2 and "has an account already" in again.stderr
    short = run("moderators", "add", "x@news.example", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "at least 15 characters" in short.stderr
    bad = run("moderators", "add", "not-an-address", "--password-stdin", stdin=PASSWORD)
    assert bad.returncode == 2 and "not an e-mail address" in bad.stderr

    changed = run("moderators", "set-password", "ed@news.example", "--password-stdin",
                  stdin="another long password\n")  # fmt: skip
    assert changed.returncode == 0 and "sessions have ended" in changed.stdout
    assert sessions.current(store, opened.cookie, now()) is None
    assert run("moderators", "remove", "ed@news.example").returncode == 0
    missing = run("moderators", "remove", "ed@news.example")
    assert missing.returncode == 1 and "no moderator" in missing.stderr
    assert "No moderators" in run("moderators", "list").stdout


def test_the_log_shows_who_did_what(env, store):
    id = store.add(new(body="A comment"))
    assert run("comments", "approve", str(id)).returncode == 0
    store.record(id, "editor@news.example", "report", "spam sent")
    text = run("comments", "log").stdout.splitlines()
    assert f"#{id} report" in text[0] and "editor@news.example: spam sent" in text[0]
    assert f"#{id} approve pending -> approved by shell:" in text[1]
    entries = json.loads(run("comments", "log", "--id", str(id), "--json").stdout)
    assert [e["action"] for e in entries] == ["report", "approve"]
    mine = json.loads(run("comments", "log", "--moderator", "Editor@News.Example", "--json").stdout)
    assert [e["action"] for e in mine] == ["report"]
    assert run("comments", "log", "--id", "999").stdout.strip() == "No moderation recorded."
