"""`newsroom comments …`, run as a moderator would, on SQLite and PostgreSQL."""

import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest

from newsroom.cli import main
from newsroom.comments.store import open_store
from newsroom.comments.store.clock import now
from tests.support.command import newsroom as run
from tests.support.comments import new
from tests.support.service import THREAD, free_port, write_manifest


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


def test_list_show_and_json(moderation):
    store, _ = moderation
    first = store.add(new(body="First comment", created=now() - timedelta(minutes=1)))
    second = store.add(new(body="Second comment", thread="other"))
    table = run("comments", "list").stdout
    assert table.splitlines()[0].split() == [
        "ID", "STATUS", "AKISMET", "CREATED", "(UTC)", "THREAD", "AUTHOR", "COMMENT"
    ]  # fmt: skip
    assert [line.split()[0] for line in table.splitlines()[1:]] == [str(second), str(first)]
    listed = json.loads(run("comments", "list", "--thread", "t", "--json").stdout)
    assert [c["id"] for c in listed] == [first]
    for key in ("id", "thread", "status", "akismet", "author", "email", "body", "created"):
        assert key in listed[0]
    shown = run("comments", "show", str(first)).stdout
    assert "ann@example.org" in shown and "First comment" in shown
    assert run("comments", "show", "999999").returncode == 1


def test_what_readers_wrote_cannot_drive_the_terminal(moderation):
    store, _ = moderation
    id = store.add(new(body="\x1b[2J\x1b]0;owned\x07two\nlines\u202eevil", author="東京の記者"))
    table = run("comments", "list").stdout
    assert "\x1b" not in table and "\u202e" not in table
    assert "\\x1b[2J\\x1b]0;owned\\x07two lines\\u202eevil" in table
    header, row = table.splitlines()
    assert row.index("ham") == header.index("AKISMET")
    # the author's two-column characters keep the next column aligned on a terminal
    assert len(row.split("東京の記者")[0]) == header.index("AUTHOR")
    shown = run("comments", "show", str(id)).stdout
    assert "\x1b" not in shown
    assert "       body: \\x1b[2J\\x1b]0;owned\\x07two\n             lines" in shown
    assert shown.splitlines()[0] == f"         id: {id}"


def test_json_output_escapes_what_could_drive_the_terminal(moderation):
    """C1 controls (U+009B is a one-byte CSI), DEL and bidi overrides, from the user agent,
    the referrer or the text, reach JSON output as \\u escapes; the data is unchanged."""
    store, _ = moderation
    agent, referrer = "Agent\x9b2J\x7f", "https://site.example/\u202eevil"
    id = store.add(new(user_agent=agent, referrer=referrer, body="é\u2066x", email="c@x.org"))
    outputs = [
        run("comments", "list", "--json").stdout,
        run("comments", "export").stdout,
        run("comments", "export", "--email", "c@x.org").stdout,
    ]
    for output in outputs:
        assert not {"\x9b", "\x7f", "\u202e", "\u2066"} & set(output), output
        assert "\\u009b" in output and "é" in output  # readable text stays readable
        (comment,) = [c for c in json.loads(output) if c["id"] == id]
        assert (comment["user_agent"], comment["referrer"]) == (agent, referrer)
        assert comment["body"] == "é\u2066x"


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
    assert result.returncode == 1  # the status changed, but Akismet was not told
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
    assert target.stat().st_mode & 0o777 == 0o600  # e-mail and IP addresses inside
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export-")] == []


def test_purge_keeps_refused_addresses_as_a_hash_and_show_counts_them(moderation):
    store, _ = moderation
    old = now() - timedelta(days=40)
    rejected = store.add(new(status="rejected", created=old, email="bad@x.org"))
    latest = store.add(new(status="pending", email="bad@x.org"))
    result = run("comments", "purge")
    assert "Kept 1 refused comments' e-mail addresses only as a keyed hash." in result.stdout
    assert store.get(rejected).email == "" and store.get(rejected).email_hash
    shown = run("comments", "show", str(latest)).stdout
    assert "    refused: 1 spam or rejected comments from this address" in shown


def test_erase_a_reader(moderation):
    store, _ = moderation
    mine = store.add(new(status="approved", email="me@x.org", author="Me"))
    theirs = store.add(new(email="them@x.org", author="Them"))
    result = run("comments", "erase", "--email", "me@x.org")
    assert result.returncode == 0
    assert f"Erased the author and personal data of 1 comments: {mine}" in result.stdout
    assert store.get(mine).author == "(name erased)" and store.get(mine).email == ""
    assert store.get(theirs).author == "Them"
    assert run("comments", "erase", "--email", "them@x.org", "--delete").returncode == 0
    assert store.get(theirs) is None
    refused = run("comments", "erase", "--email", " ", "--delete")
    assert refused.returncode == 2 and "--email" in refused.stderr


def test_approve_calls_the_rebuild_hook(moderation, monkeypatch):
    import threading
    from http.server import ThreadingHTTPServer

    from tests.support.hook import Hook  # a recording HTTP server

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


def test_some_ids_missing_is_a_failure_that_still_does_the_rest(moderation):
    store, _ = moderation
    a = store.add(new())
    for action in ("reject", "delete"):
        result = run("comments", action, str(a), "0", "99999999999999999999999")
        assert result.returncode == 1
        assert "no comment 99999999999999999999999" in result.stderr
    assert store.get(a) is None  # rejected, then deleted
    assert run("comments", "approve", "x").returncode == 2  # not an id at all


def no_akismet(monkeypatch) -> None:
    for name in ("PYTHON_AKISMET_API_KEY", "PYTHON_AKISMET_BLOG_URL", "NEWSROOM_AKISMET_URL"):
        monkeypatch.delenv(name)


def test_spam_and_ham_without_a_key_still_moderate(moderation, monkeypatch):
    store, _ = moderation
    no_akismet(monkeypatch)
    a, b = store.add(new(body="one")), store.add(new(body="two", status="spam"))
    spam = run("comments", "spam", str(a))
    assert spam.returncode == 0
    assert "no Akismet key configured" in spam.stderr
    assert run("comments", "ham", str(b)).returncode == 0
    assert (store.get(a).status, store.get(a).feedback) == ("spam", "spam not sent: no Akismet key")
    assert (store.get(b).status, store.get(b).akismet) == ("pending", "ham")


def test_recheck_without_a_key_fails_only_for_comments_still_waiting(moderation, monkeypatch):
    store, _ = moderation
    no_akismet(monkeypatch)
    store.add(new(akismet="unchecked", status="approved"))
    decided = run("comments", "recheck")
    assert decided.returncode == 0
    assert "1 comments stay unchecked (0 waiting for a moderator)" in decided.stderr
    store.add(new(body="other", akismet="unchecked"))
    assert run("comments", "recheck").returncode == 1


def test_recheck_files_discarded_as_spam_and_says_when_nothing_waits(moderation, fake_akismet):
    store, _ = moderation
    assert run("comments", "recheck").stdout.strip() == "No unchecked comments."
    id = store.add(new(thread=THREAD, akismet="unchecked"))
    fake_akismet.answer_with("discard")
    assert run("comments", "recheck").returncode == 0
    assert (store.get(id).akismet, store.get(id).status) == ("spam", "spam")


def test_recheck_keeps_a_moderators_decision(moderation, fake_akismet):
    store, _ = moderation
    approved = store.add(new(thread=THREAD, akismet="unchecked", status="approved"))
    fake_akismet.answer_with("spam")
    assert run("comments", "recheck").returncode == 0
    assert (store.get(approved).akismet, store.get(approved).status) == ("spam", "approved")


def test_recheck_without_a_key_leaves_them_unchecked(moderation, monkeypatch):
    store, _ = moderation
    no_akismet(monkeypatch)
    id = store.add(new(akismet="unchecked"))
    result = run("comments", "recheck")
    assert result.returncode == 1
    assert "1 comments stay unchecked" in result.stderr
    assert store.get(id).akismet == "unchecked"


def test_purge_age_from_the_option_or_the_environment(moderation, monkeypatch):
    store, _ = moderation
    ten_days = store.add(new(created=now() - timedelta(days=10)))
    assert "erased addresses from 0 comments" in run("comments", "purge").stdout
    monkeypatch.setenv("NEWSROOM_PERSONAL_DATA_DAYS", "7")
    assert "erased addresses from 1 comments" in run("comments", "purge").stdout
    assert store.get(ten_days).ip is None
    store.add(new(created=now() - timedelta(days=2)))
    assert "from 1 comments" in run("comments", "purge", "--personal-days", "1").stdout
    refused = run("comments", "purge", "--personal-days", "-3")
    assert refused.returncode == 2
    assert "0 or more" in refused.stderr


def test_export_to_standard_output_and_for_one_reader(moderation):
    store, _ = moderation
    id = store.add(new(body="Everything, please"))
    store.add(new(email="bob@example.org"))
    everything = run("comments", "export")
    assert len(json.loads(everything.stdout)) == 2
    assert "Exported 2 comments." in everything.stderr
    (exported,) = json.loads(run("comments", "export", "--email", "ANN@example.org ").stdout)
    assert (exported["id"], exported["body"], exported["email"]) == (
        id,
        "Everything, please",
        "ann@example.org",
    )
    assert json.loads(run("comments", "export", "--email", "nobody@x.org").stdout) == []


def test_ham_keeps_a_decision_already_made(moderation):
    store, _ = moderation
    approved = store.add(new(status="approved", akismet="spam"))
    assert run("comments", "ham", str(approved)).returncode == 0
    assert (store.get(approved).status, store.get(approved).akismet) == ("approved", "ham")
    assert store.get(approved).feedback == "ham sent"


def test_the_default_store_is_var_comments_sqlite3(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    result = subprocess.run(
        [sys.executable, "-m", "newsroom.cli", "comments", "list"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": os.getcwd()},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "No pending comments."
    assert (tmp_path / "var" / "comments.sqlite3").is_file()


def test_serve_answers_on_its_port(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>Front page</title>")
    port = free_port()
    env = {
        **os.environ,
        "NEWSROOM_DATABASE_URL": f"sqlite:///{tmp_path}/c.sqlite3",
        "NEWSROOM_THREADS": str(write_manifest(tmp_path / "threads.json")),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "newsroom.cli", "serve", "--port", str(port), "--site", str(site)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"{base}/api/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "newsroom serve never answered"
                assert server.poll() is None, "newsroom serve exited"
                time.sleep(0.1)
        assert health.status_code == 200
        assert "Front page" in httpx.get(f"{base}/", timeout=2).text
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mysql://db/comments", "NEWSROOM_DATABASE_URL"),
        ("postgresql://u:pw@127.0.0.1:1/x", "refused"),
    ],
)
def test_a_store_that_cannot_be_opened_is_said_plainly(url, reason):
    result = run("comments", "list", env={**os.environ, "NEWSROOM_DATABASE_URL": url})
    assert result.returncode != 0
    assert reason in result.stderr
    assert "Traceback" not in result.stderr
    assert ":pw@" not in result.stderr


def test_jobs_run_from_cron(moderation, fake_akismet):
    store, _ = moderation
    held = store.add(new(akismet="unchecked"))
    fake_akismet.answer_with("ham")
    result = run("jobs", "run")
    assert result.returncode == 0, result.stderr
    assert "recheck: 1 filed, 0 still unchecked" in result.stdout
    assert "purge: Deleted 0 spam comments" in result.stdout
    assert store.get(held).akismet == "ham"
    again = run("jobs", "run", "recheck")
    assert "recheck: not due, or running elsewhere" in again.stdout
    assert "recheck: nothing to recheck" in run("jobs", "run", "recheck", "--force").stdout
    listed = run("jobs", "list").stdout
    assert "recheck: last run" in listed and "purge: last run" in listed
    assert run("jobs", "run", "nothing").returncode == 2


@pytest.mark.parametrize(
    ("command", "module", "extra"),
    [(["serve"], "uvicorn", "server"), (["package", "lambda"], "packaging", "site")],
)
def test_a_command_whose_extra_is_missing_says_which(
    monkeypatch, capsys, tmp_path, command, module, extra
):
    monkeypatch.chdir(tmp_path)  # nothing is written in the checkout, whatever happens
    for name in [m for m in sys.modules if m.split(".")[0] == module]:
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed
    monkeypatch.setitem(sys.modules, module, None)
    if module == "packaging":  # imported inside the build: make it fail before pip runs
        monkeypatch.setattr("newsroom.cli.lambda_package.install_wheels", lambda *a: None)
    assert main(command) == 2
    assert f"pip install 'newsroom[{extra}]'" in capsys.readouterr().err
