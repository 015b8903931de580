"""Readers' mail through a real SMTP server on loopback (aiosmtpd), on SQLite and
PostgreSQL: double opt-in, "published" and "replied" notices, one-click unsubscribe, the
hourly limit, a server that is down for a while, and two runners sending each mail once."""

import re
import threading
from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller

from newsroom.comments import manifest, reader_mail
from newsroom.comments.config import Settings
from newsroom.comments.store.clock import now
from tests.support.comments import new
from tests.support.keys import TEST_SECRET_KEY
from tests.support.service import free_port
from tests.support.smtp import Inbox

T0 = now().replace(microsecond=0)
SITE = "https://news.example"


@pytest.fixture
def threads(tmp_path):
    thread = manifest.Thread("t", "Rates rise", "articles/t/", f"{SITE}/articles/t/", None, None,
                             "en")  # fmt: skip
    manifest.write(str(tmp_path), [thread], SITE, "The Daily")
    return str(tmp_path / "threads.json")


def settings_for(smtp_url: str, threads: str) -> Settings:
    return Settings.from_env(
        {
            "NEWSROOM_SMTP_URL": smtp_url,
            "NEWSROOM_MAIL_FROM": "news@news.example",
            "NEWSROOM_SECRET_KEY": TEST_SECRET_KEY,
            "NEWSROOM_THREADS": threads,
        }
    )


@pytest.fixture
def settings(inbox, threads):
    return settings_for(inbox.url, threads)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def token_in(message, action: str) -> str:
    link = re.search(rf"{SITE}/api/subscriptions/{action}\?\S+", text_of(message)).group(0)
    return parse_qs(urlsplit(link).query)["token"][0]


def confirm(settings, store, message) -> None:
    data = reader_mail.read_token(
        settings.signer(), reader_mail.CONFIRM, token_in(message, "confirm")
    )
    assert store.confirm_subscriber(data["s"], now()) is not None


def test_box_confirm_approve_reply_unsubscribe(store, inbox, settings):
    ann = store.add(new(email="Ann@Example.org", notify=True, created=T0))
    assert reader_mail.run(settings, store, T0).sent == 1
    ((to, confirmation),) = inbox.messages
    assert to == ["Ann@Example.org"] and "Confirm" in confirmation["Subject"]
    assert "List-Unsubscribe" not in confirmation  # nothing to leave yet
    assert confirmation.get_body(("html",)) is not None
    reader_mail.run(settings, store, T0 + timedelta(minutes=1))
    assert len(inbox.messages) == 1  # asked once
    store.set_status([ann], "approved")
    reader_mail.run(settings, store, T0 + timedelta(minutes=2))
    assert len(inbox.messages) == 1  # nothing but the confirmation before confirming

    confirm(settings, store, confirmation)
    reader_mail.run(settings, store, T0 + timedelta(minutes=3))
    (_, published) = inbox.messages[1]
    assert published["Subject"] == "Your comment on “Rates rise” is published"
    assert f"{SITE}/articles/t/#comment-{ann}" in text_of(published)
    assert published["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert published["List-Unsubscribe"].startswith(f"<{SITE}/api/subscriptions/unsubscribe?")

    reply = new(author="Bob", email="bob@example.org", parent=ann, status="approved")
    bob = store.add(
        replace(reply, body="I disagree.\n\nStrongly.", created=T0 + timedelta(minutes=4))
    )
    store.add(new(email="ann@example.org", parent=ann, status="approved"))  # her own: no mail
    reader_mail.run(settings, store, T0 + timedelta(minutes=5))
    assert len(inbox.messages) == 3
    (to, replied) = inbox.messages[2]
    assert to == ["Ann@Example.org"]
    assert replied["Subject"] == "Bob replied to your comment on “Rates rise”"
    assert "> I disagree.\n>\n> Strongly." in text_of(replied)
    assert f"#comment-{bob}" in text_of(replied)
    assert "bob@example.org" not in replied.as_string()

    data = reader_mail.read_token(
        settings.signer(), reader_mail.UNSUBSCRIBE, token_in(replied, "unsubscribe")
    )
    assert store.unsubscribe(data["s"], data["t"]) == 1
    store.add(new(author="Cy", email="cy@example.org", parent=ann, status="approved"))
    reader_mail.run(settings, store, T0 + timedelta(minutes=6))
    assert len(inbox.messages) == 3


def test_an_unconfirmed_address_gets_one_confirmation_a_day_and_nothing_else(
    store, inbox, settings
):
    first = store.add(new(email="eve@example.org", notify=True, status="approved"))
    reader_mail.run(settings, store, T0)
    store.add(new(email="eve@example.org", notify=True, status="approved"))
    store.add(new(author="Bob", email="bob@example.org", parent=first, status="approved"))
    reader_mail.run(settings, store, T0 + timedelta(hours=23))
    assert len(inbox.messages) == 1
    store.add(new(email="eve@example.org", notify=True))
    reader_mail.run(settings, store, T0 + timedelta(hours=25))
    assert [m["Subject"] for _, m in inbox.messages] == [
        "Confirm mail about your comments on The Daily"
    ] * 2
    spam = store.add(new(email="victim@example.org", notify=True, status="spam"))
    reader_mail.run(settings, store, T0 + timedelta(hours=26))
    assert len(inbox.messages) == 2 and store.subscriptions_of("victim@example.org") is None
    assert store.get(spam).notify


def test_at_most_ten_mails_an_hour_to_one_address(store, inbox, settings):
    ann = store.add(new(notify=True, status="approved", created=T0))
    reader_mail.run(settings, store, T0)
    confirm(settings, store, inbox.messages[0][1])
    for n in range(12):
        reply = new(author=f"R{n}", email=f"r{n}@example.org", parent=ann, status="approved")
        store.add(replace(reply, created=T0))
    ran = reader_mail.run(settings, store, T0 + timedelta(minutes=1))
    assert (ran.sent, ran.put_off) == (9, 4)  # the confirmation counts: 10 in the hour
    assert reader_mail.run(settings, store, T0 + timedelta(minutes=30)).sent == 0
    later = reader_mail.run(settings, store, T0 + timedelta(minutes=62))
    assert later.sent == 4 and len(inbox.messages) == 14


def test_mail_waits_while_the_server_is_down_and_goes_once_it_is_back(store, threads):
    box = Inbox()
    port = free_port()
    settings = settings_for(f"smtp://127.0.0.1:{port}", threads)
    store.add(new(notify=True))
    down = reader_mail.run(settings, store, T0)
    assert (down.queued, down.sent, down.put_off) == (1, 0, 1)
    assert reader_mail.run(settings, store, T0 + timedelta(seconds=30)).put_off == 0  # not due
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert reader_mail.run(settings, store, T0 + timedelta(minutes=2)).sent == 1
        assert reader_mail.run(settings, store, T0 + timedelta(minutes=3)).sent == 0
    finally:
        controller.stop()
    assert len(box.messages) == 1


def test_two_runners_send_each_mail_once(store, inbox, settings):
    for n in range(8):
        store.add(new(email=f"p{n}@example.org", notify=True))
    barrier = threading.Barrier(2)

    def runner():
        barrier.wait()
        reader_mail.run(settings, store, T0)

    workers = [threading.Thread(target=runner) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    recipients = sorted(to[0] for to, _ in inbox.messages)
    assert recipients == [f"p{n}@example.org" for n in range(8)]


def test_a_forged_or_foreign_token_is_refused(settings):
    from newsroom.comments.signing import BadToken

    signer = settings.signer()
    other = signer.sign("action", {"s": 1, "e": "x"}, timedelta(days=1))
    for token in (other, other + "x", "", "a" * 2000):
        with pytest.raises(BadToken):
            reader_mail.read_token(signer, reader_mail.CONFIRM, token)


def test_export_and_erase_cover_subscriptions(store, inbox, settings):
    store.add(new(email="ann@example.org", notify=True))
    reader_mail.run(settings, store, T0)
    kept = store.subscriptions_of("ANN@example.org")
    assert kept["email"] == "ann@example.org" and kept["subscriptions"][0]["thread"] == "t"
    assert [m["kind"] for m in kept["mails"]] == ["confirm"]
    assert store.forget_subscriber("ann@example.org")
    assert store.subscriptions_of("ann@example.org") is None
