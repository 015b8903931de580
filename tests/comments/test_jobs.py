"""The jobs that run by themselves, with time simulated: Akismet rechecks on WordPress's
schedule, backing off on a refused key, and leases that let one runner in at a time."""

import asyncio
import threading
from datetime import timedelta

from newsroom.comments import jobs
from newsroom.comments.config import Settings
from newsroom.comments.store.clock import now
from tests.support.comments import new

T0 = now().replace(microsecond=0)


def run(settings, store, at, *names):
    return asyncio.run(jobs.run_due(settings, store, names or ["recheck"], now=at))


def test_a_comment_held_unchecked_is_rechecked_until_akismet_answers(store, fake_akismet):
    settings = Settings.from_env(fake_akismet.env())
    ham = store.add(new(akismet="unchecked", created=T0))
    spam = store.add(new(akismet="unchecked", created=T0, body="Buy"))
    fake_akismet.answer_with("error")
    first = run(settings, store, T0 + timedelta(minutes=1))
    assert first == {"recheck": "0 filed, 2 still unchecked"}
    assert run(settings, store, T0 + timedelta(minutes=10)) == {
        "recheck": "not due, or running elsewhere"
    }
    fake_akismet.answer_with("ham")
    fake_akismet.answer_next("ham", "spam")  # in the order they are asked
    later = run(settings, store, T0 + timedelta(minutes=22))
    assert later == {"recheck": "2 filed, 0 still unchecked"}
    assert (store.get(ham).akismet, store.get(ham).status) == ("ham", "pending")
    assert (store.get(spam).akismet, store.get(spam).status) == ("spam", "spam")
    checks = fake_akismet.calls("comment-check")
    assert {call["recheck_reason"] for call in checks} == {"retry"}


def test_a_refused_key_backs_off_six_hours(store, fake_akismet):
    settings = Settings.from_env(fake_akismet.env())
    store.add(new(akismet="unchecked", created=T0))
    fake_akismet.answer_with("invalid")
    result = run(settings, store, T0 + timedelta(minutes=1))["recheck"]
    assert result.endswith("Akismet refused the key")
    assert run(settings, store, T0 + timedelta(hours=2)) == {
        "recheck": "not due, or running elsewhere"
    }
    fake_akismet.answer_with("ham")
    assert run(settings, store, T0 + timedelta(hours=6, minutes=2)) == {
        "recheck": "1 filed, 0 still unchecked"
    }


def test_a_comment_older_than_15_days_is_left_to_the_moderator(store, fake_akismet):
    settings = Settings.from_env(fake_akismet.env())
    old = store.add(new(akismet="unchecked", created=T0 - timedelta(days=16)))
    assert run(settings, store, T0) == {"recheck": "nothing to recheck"}
    assert fake_akismet.calls("comment-check") == []
    assert store.get(old).akismet == "unchecked"


def test_a_failing_job_is_tried_again_on_its_next_turn(store, monkeypatch):
    async def broken(settings, store, at, lease):
        raise RuntimeError("the disk is full")

    monkeypatch.setitem(jobs.JOBS, "purge", jobs.Job("purge", timedelta(days=1), broken))
    settings = Settings()
    assert run(settings, store, T0, "purge") == {"purge": "failed: RuntimeError: the disk is full"}
    assert run(settings, store, T0 + timedelta(hours=1), "purge")["purge"].startswith("not due")
    assert store.jobs()["purge"]["next_run"] == T0 + timedelta(days=1)


def test_the_daily_purge_is_a_job(store):
    old_spam = store.add(new(status="spam", akismet="spam", created=T0 - timedelta(days=20)))
    (result,) = run(Settings(), store, T0, "purge").values()
    assert result.startswith("Deleted 1 spam comments")
    assert store.get(old_spam) is None
    assert store.jobs()["purge"]["next_run"] == T0 + timedelta(days=1)


def test_runners_never_hold_one_job_at_once(store):
    """Eight runners (threads, each with its own connection) reach for one lease."""
    start = threading.Barrier(8)
    won = []

    def reach(n):
        start.wait()
        if store.take_job("recheck", f"runner-{n}", T0, T0 + jobs.LEASE):
            won.append(n)

    threads = [threading.Thread(target=reach, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    holder = f"runner-{won[0]}"
    assert not store.take_job("recheck", "late", T0 + timedelta(minutes=5), T0, force=True)
    # A lease outlives a crashed runner only until it ends (longer than Lambda's timeout).
    assert store.take_job("recheck", "after", T0 + jobs.LEASE + timedelta(seconds=1), T0)
    store.finish_job("recheck", holder, T0, T0, "ignored: not the holder any more")
    assert store.jobs()["recheck"]["running"] is True


def test_akismets_advice_to_recheck_later_is_honoured(store, fake_akismet):
    """Ham with X-akismet-recheck-after: the comment stays unchecked, is not asked about
    before the delay, and then is asked again with recheck_reason=recheck."""
    settings = Settings.from_env(fake_akismet.env())
    held = store.add(new(akismet="unchecked", created=T0))
    fake_akismet.answer_with("recheck")
    result = run(settings, store, T0 + timedelta(minutes=1))["recheck"]
    assert result == "0 filed, 0 still unchecked, 1 put off at Akismet's request"
    assert store.get(held).recheck_at == T0 + timedelta(minutes=1, hours=1)
    fake_akismet.reset()
    fake_akismet.answer_with("ham")
    assert run(settings, store, T0 + timedelta(minutes=30)) == {"recheck": "nothing to recheck"}
    assert fake_akismet.calls("comment-check") == []
    assert run(settings, store, T0 + timedelta(minutes=62)) == {
        "recheck": "1 filed, 0 still unchecked"
    }
    (asked,) = fake_akismet.calls("comment-check")
    assert asked["recheck_reason"] == "recheck"
    assert (store.get(held).akismet, store.get(held).recheck_at) == ("ham", None)


def test_the_moderators_mail_waits_for_the_recheck(store, fake_akismet, inbox, tmp_path):
    """As WordPress does: no mail while Akismet has not judged a comment; one when the
    recheck finds it ham, none when spam, and one after 24 hours if it never answers."""
    from tests.support.service import THREAD, write_manifest

    env = {
        **fake_akismet.env(),
        "NEWSROOM_SMTP_URL": inbox.url,
        "NEWSROOM_MODERATOR_EMAIL": "desk@news.example",
        "NEWSROOM_THREADS": str(write_manifest(tmp_path / "threads.json")),
    }
    settings = Settings.from_env(env)
    waiting = timedelta(hours=24)
    ham = store.add(new(akismet="unchecked", thread=THREAD, created=T0, mail_after=T0 + waiting))
    spam = store.add(
        new(akismet="unchecked", thread=THREAD, created=T0, body="Buy", mail_after=T0 + waiting)
    )
    silent = store.add(
        new(akismet="unchecked", thread=THREAD, created=T0, body="?", mail_after=T0 + waiting)
    )
    fake_akismet.answer_with("ham")
    fake_akismet.answer_next("ham", "spam", "error")
    result = run(settings, store, T0 + timedelta(minutes=21))["recheck"]
    assert result == "2 filed, 1 still unchecked; 1 moderator mails sent"
    assert [m["Subject"].split(" ")[1] for _, m in inbox.messages] == [f"#{ham}"]
    assert store.get(spam).mail_after is None
    fake_akismet.answer_with("error")
    late = run(settings, store, T0 + timedelta(hours=24, minutes=1))["recheck"]
    assert late.endswith("; 1 moderator mails sent")
    assert [m["Subject"].split(" ")[1] for _, m in inbox.messages] == [f"#{ham}", f"#{silent}"]
    assert store.get(silent).mail_after is None  # sent once
