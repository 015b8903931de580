"""Moderator mail from the posting pipeline: after the answer, only for comments that wait."""

import socket
import time

from tests.support.service import THREAD

DESK = "desk@news.example"


def comment(body: str, **more) -> dict:
    return {"thread": THREAD, "author": "Ann", "email": "ann@example.org", "body": body, **more}


def test_only_a_comment_stored_as_pending_is_mailed(service_runner, fake_akismet, inbox):
    env = {**fake_akismet.env(), "NEWSROOM_SMTP_URL": inbox.url, "NEWSROOM_MODERATOR_EMAIL": DESK}
    service = service_runner.start(env)
    fake_akismet.answer_next("spam", "discard", "ham")
    with service.client() as client:
        answers = [
            client.post("/api/comments", json=comment("spam")),
            client.post("/api/comments", json=comment("discarded")),
            client.post("/api/comments", json=comment("honeypot", nickname="bot")),
            client.post("/api/comments", json=comment("waits")),
        ]
    assert {a.json()["status"] for a in answers} == {"pending"}
    waiting = answers[-1].json()["id"]
    deadline = time.monotonic() + 5
    while not inbox.subjects and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # time for any wrong mail to arrive too
    assert len(inbox.subjects) == 1
    assert inbox.subjects[0].startswith(f"Comment #{waiting} awaits moderation")


def test_a_mail_server_that_hangs_does_not_delay_the_answer(service_runner, fake_akismet, caplog):
    # Accepts connections and never says a word: the mail waits for its timeout.
    hanging = socket.create_server(("127.0.0.1", 0))
    url = f"smtp://127.0.0.1:{hanging.getsockname()[1]}"
    env = {**fake_akismet.env(), "NEWSROOM_SMTP_URL": url, "NEWSROOM_MODERATOR_EMAIL": DESK}
    service = service_runner.start(env)
    try:
        with service.client() as client:
            started = time.monotonic()
            answer = client.post("/api/comments", json=comment("Hello"))
            elapsed = time.monotonic() - started
    finally:
        hanging.close()  # the mail then fails at once, and is logged
    assert answer.status_code == 202
    assert elapsed < 1.0, f"the answer waited {elapsed:.2f} s for the mail"
    assert service.store.get(answer.json()["id"]).status == "pending"


def test_an_unchecked_comments_mail_waits_for_its_recheck(service_runner, fake_akismet, inbox):
    """Akismet could not answer: the moderator hears of the comment once the recheck job
    has Akismet's verdict (tests/comments/test_jobs.py), or after 24 hours."""
    from datetime import timedelta

    env = {**fake_akismet.env(), "NEWSROOM_SMTP_URL": inbox.url, "NEWSROOM_MODERATOR_EMAIL": DESK}
    service = service_runner.start(env)
    fake_akismet.answer_with("error")
    with service.client() as client:
        answer = client.post("/api/comments", json=comment("while Akismet is down"))
    time.sleep(0.5)  # time for a wrong mail to arrive
    assert inbox.subjects == []
    stored = service.store.get(answer.json()["id"])
    assert stored.akismet == "unchecked"
    assert stored.mail_after == stored.created + timedelta(hours=24)
