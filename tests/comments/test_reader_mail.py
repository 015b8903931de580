"""Readers' mail through a real SMTP server on loopback (aiosmtpd), on SQLite and
PostgreSQL: double opt-in per browser, "published" and "replied" notices, unsubscribing,
the limits, a server that is down for a while, and two runners sending each mail once."""

import re
import threading
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy
from urllib.parse import parse_qs, urlsplit

import pytest

from newsroom.comments import manifest, reader_mail
from newsroom.comments.config import Settings
from newsroom.comments.signing import BadToken
from newsroom.comments.store import open_store
from newsroom.comments.store.clock import now
from tests.support.comments import new
from tests.support.keys import TEST_SECRET_KEY
from tests.support.service import free_port
from tests.support.smtp import Inbox, serving

T0 = now().replace(microsecond=0)
SITE = "https://news.example"
CONFIRM_SUBJECT = "Confirm mail about your comments on The Daily"


@pytest.fixture
def threads(tmp_path):
    thread = manifest.Thread("t", "Rates rise", "articles/t/", "/articles/t/", None, None, "en")
    manifest.write(str(tmp_path), [thread], SITE, "The Daily")
    return str(tmp_path / "threads.json")


def received(inbox) -> list:
    """The mails the server took, read with the modern policy (headers decoded)."""
    return [
        (to, message_from_bytes(m.as_bytes(), policy=policy.default)) for to, m in inbox.messages
    ]


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


def by(email: str, key: str, **more):
    """A comment by ``email`` from the browser holding author key ``key``."""
    return new(email=email, author_key=key, ip_group=f"group-{key}", **more)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def token_in(message, action: str) -> str:
    link = re.search(rf"{SITE}/api/subscriptions/{action}\?\S+", text_of(message)).group(0)
    return parse_qs(urlsplit(link).query)["token"][0]


def confirm(settings, store, message) -> None:
    token = token_in(message, "confirm")
    data = reader_mail.read_token(settings.signer(), reader_mail.CONFIRM, token)
    assert store.trust(data["s"], data["c"], now())


def subjects(inbox) -> list[str]:
    return [message["Subject"] for _, message in received(inbox)]


def test_box_confirm_approve_reply_unsubscribe(store, inbox, settings):
    ann = store.add(by("Ann@Example.org", "ka", notify=True, created=T0))
    assert reader_mail.run(settings, store, T0).sent == 1
    ((to, confirmation),) = received(inbox)
    assert to == ["Ann@Example.org"] and confirmation["Subject"] == CONFIRM_SUBJECT
    assert "List-Unsubscribe" not in confirmation  # nothing to leave yet
    assert confirmation.get_body(("html",)) is not None
    reader_mail.run(settings, store, T0 + timedelta(minutes=1))
    assert len(received(inbox)) == 1  # asked once
    store.set_status([ann], "approved")
    reader_mail.run(settings, store, T0 + timedelta(minutes=2))
    assert len(received(inbox)) == 1  # nothing but the confirmation before confirming

    confirm(settings, store, confirmation)
    reader_mail.run(settings, store, T0 + timedelta(minutes=3))
    (_, published) = received(inbox)[1]
    assert published["Subject"] == "Your comment on “Rates rise” is published"
    assert f"{SITE}/articles/t/#comment-{ann}" in text_of(published)
    assert published["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert published["List-Unsubscribe"].startswith(f"<{SITE}/api/subscriptions/unsubscribe?")

    reply = by("bob@example.org", "kb", author="Bob", parent=ann, status="approved")
    bob = store.add(
        replace(reply, body="I disagree.\n\nStrongly.", created=T0 + timedelta(minutes=4))
    )
    store.add(by("ann@example.org", "ka", parent=ann, status="approved"))  # her own: no mail
    store.add(by("ann@example.org", "k-new", parent=ann, status="approved"))  # hers too
    reader_mail.run(settings, store, T0 + timedelta(minutes=5))
    assert len(received(inbox)) == 3
    (to, replied) = received(inbox)[2]
    assert to == ["Ann@Example.org"]
    assert replied["Subject"] == "Bob replied to your comment on “Rates rise”"
    assert "> I disagree.\n>\n> Strongly." in text_of(replied)
    assert f"#comment-{bob}" in text_of(replied)
    assert "bob@example.org" not in replied.as_string()

    token = token_in(replied, "unsubscribe")
    data = reader_mail.read_token(settings.signer(), reader_mail.UNSUBSCRIBE, token)
    assert store.unsubscribe(data["s"], data["t"], now()) == 1
    store.add(by("cy@example.org", "kc", parent=ann, status="approved"))
    reader_mail.run(settings, store, T0 + timedelta(minutes=6))
    assert len(received(inbox)) == 3


def test_a_stranger_with_a_confirmed_address_gets_it_nothing_but_a_confirmation(
    store, inbox, settings
):
    store.add(by("ann@example.org", "ka", notify=True, status="approved", created=T0))
    reader_mail.run(settings, store, T0)
    confirm(settings, store, received(inbox)[0][1])
    reader_mail.run(settings, store, T0 + timedelta(minutes=1))
    assert subjects(inbox)[1].endswith("is published")

    stranger = by("ann@example.org", "k-stranger", notify=True, status="approved")
    posed = store.add(replace(stranger, created=T0 + timedelta(days=2)))
    day2 = T0 + timedelta(days=2)
    store.add(by("bob@example.org", "kb", parent=posed, status="approved", created=day2))
    reader_mail.run(settings, store, T0 + timedelta(days=2, minutes=1))
    assert subjects(inbox)[2:] == [CONFIRM_SUBJECT]  # for the new browser; no notice

    token = token_in(received(inbox)[1][1], "unsubscribe")
    data = reader_mail.read_token(settings.signer(), reader_mail.UNSUBSCRIBE, token)
    store.unsubscribe(data["s"], None, now())  # every mail
    again = by("ann@example.org", "k-other", notify=True, created=T0 + timedelta(days=4))
    store.add(again)
    reader_mail.run(settings, store, T0 + timedelta(days=4, minutes=1))
    assert len(received(inbox)) == 3  # stopped: not even a confirmation
    day4 = T0 + timedelta(days=4)
    mine = store.add(by("ann@example.org", "ka", notify=True, status="approved", created=day4))
    reader_mail.run(settings, store, T0 + timedelta(days=4, minutes=2))
    assert subjects(inbox)[3:] == ["Your comment on “Rates rise” is published"]  # her browser
    assert f"#comment-{mine}" in text_of(received(inbox)[3][1])


def test_an_unconfirmed_address_gets_one_confirmation_a_day_and_nothing_else(
    store, inbox, settings
):
    first = store.add(by("eve@example.org", "ke", notify=True, status="approved", created=T0))
    reader_mail.run(settings, store, T0)
    store.add(by("eve@example.org", "ke", notify=True, status="approved", created=T0))
    store.add(by("bob@example.org", "kb", parent=first, status="approved", created=T0))
    reader_mail.run(settings, store, T0 + timedelta(hours=23))
    assert len(received(inbox)) == 1
    store.add(by("eve@example.org", "ke", notify=True, created=T0 + timedelta(hours=25)))
    reader_mail.run(settings, store, T0 + timedelta(hours=25))
    assert subjects(inbox) == [CONFIRM_SUBJECT] * 2
    spam = store.add(by("victim@example.org", "kv", notify=True, status="spam"))
    unchecked = store.add(by("victim@example.org", "kv", notify=True, akismet="unchecked"))
    reader_mail.run(settings, store, T0 + timedelta(hours=26))
    assert len(received(inbox)) == 2 and store.subscriptions_of("victim@example.org") is None
    assert store.get(spam).notify and store.opt_ins_waiting() == []  # unchecked: waits
    store.set_status([unchecked], "approved")  # a moderator's word counts as a check
    assert store.opt_ins_waiting() == [unchecked]


def test_one_address_group_gets_three_confirmations_a_day(store, inbox, settings):
    for n in range(5):
        store.add(new(email=f"v{n}@example.org", author_key=f"k{n}", notify=True, created=T0))
    reader_mail.run(settings, store, T0)
    assert len(received(inbox)) == 3


def test_at_most_ten_mails_an_hour_to_one_address(store, inbox, settings):
    ann = store.add(by("ann@example.org", "ka", notify=True, status="approved", created=T0))
    reader_mail.run(settings, store, T0)
    confirm(settings, store, received(inbox)[0][1])
    for n in range(12):
        store.add(by(f"r{n}@example.org", f"r{n}", parent=ann, status="approved", created=T0))
    ran = reader_mail.run(settings, store, T0 + timedelta(minutes=1))
    assert (ran.sent, ran.put_off) == (9, 4)  # the confirmation counts: 10 in the hour
    assert reader_mail.run(settings, store, T0 + timedelta(minutes=30)).sent == 0
    later = reader_mail.run(settings, store, T0 + timedelta(minutes=62))
    assert later.sent == 4 and len(received(inbox)) == 14


def test_mail_waits_while_the_server_is_down_and_goes_once_it_is_back(store, threads):
    box = Inbox()
    port = free_port()
    settings = settings_for(f"smtp://127.0.0.1:{port}", threads)
    store.add(by("ann@example.org", "ka", notify=True, created=T0))
    down = reader_mail.run(settings, store, T0)
    assert (down.queued, down.sent, down.put_off) == (1, 0, 1)
    assert reader_mail.run(settings, store, T0 + timedelta(seconds=30)).put_off == 0  # not due
    with serving(box, port):
        assert reader_mail.run(settings, store, T0 + timedelta(minutes=2)).sent == 1
        assert reader_mail.run(settings, store, T0 + timedelta(minutes=3)).sent == 0
    assert len(received(box)) == 1


def test_a_recipient_refused_for_good_is_dropped_and_the_rest_go(store, threads):
    class Refusing(Inbox):
        async def handle_RCPT(self, server, session, envelope, address, options):
            if address.startswith("gone@"):
                return "550 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    with serving(Refusing()) as box:
        settings = settings_for(box.url, threads)
        store.add(by("gone@example.org", "kg", notify=True, created=T0))
        store.add(by("here@example.org", "kh", notify=True, created=T0))
        ran = reader_mail.run(settings, store, T0)
    assert (ran.sent, ran.dropped) == (1, 1)
    assert [to for to, _ in received(box)] == [["here@example.org"]]


def test_a_sender_the_server_refuses_puts_mail_off_not_away(store, threads):
    class RefusingSender(Inbox):
        async def handle_MAIL(self, server, session, envelope, address, options):
            return "553 not a sender of ours"

    with serving(RefusingSender()) as box:
        settings = settings_for(box.url, threads)
        for n in range(3):
            store.add(by(f"p{n}@example.org", f"k{n}", notify=True, created=T0))
        ran = reader_mail.run(settings, store, T0)
    assert (ran.sent, ran.put_off, ran.dropped) == (0, 1, 0)  # the run stopped at the first
    assert len(store.outbox_due(T0 + timedelta(hours=1))) == 3  # all kept, to try again


def test_two_runners_send_each_mail_once(store, store_url, inbox, settings):
    for n in range(8):
        store.add(by(f"p{n}@example.org", f"k{n}", notify=True, created=T0))
    barrier = threading.Barrier(2)
    other = open_store(store_url)  # a second instance: its own connections

    def runner(runners_store):
        barrier.wait()
        reader_mail.run(settings, runners_store, T0)

    workers = [threading.Thread(target=runner, args=(each,)) for each in (store, other)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    other.close()
    recipients = sorted(to[0] for to, _ in received(inbox))
    assert recipients == [f"p{n}@example.org" for n in range(8)]


def test_a_forged_or_foreign_token_is_refused(settings):
    signer = settings.signer()
    other = signer.sign("action", {"s": 1, "c": 2, "e": "x"}, timedelta(days=1))
    unsubscribe = signer.sign(reader_mail.UNSUBSCRIBE, {"s": 1, "t": "t", "e": "x"}, timedelta(1))
    for token in (other, other + "x", "", "a" * 3000, unsubscribe):
        with pytest.raises(BadToken):
            reader_mail.read_token(signer, reader_mail.CONFIRM, token)


def test_export_erase_and_purge(store, inbox, settings):
    store.add(by("ann@example.org", "ka", notify=True, created=T0))
    reader_mail.run(settings, store, T0)
    kept = store.subscriptions_of("ANN@example.org")
    assert kept["email"] == "ann@example.org" and kept["subscriptions"][0]["thread"] == "t"
    assert [m["kind"] for m in kept["mails"]] == ["confirm"] and kept["confirmed"] is None
    assert store.purge_mail(T0 - timedelta(days=1)) == 0  # all newer
    assert store.purge_mail(T0 + timedelta(days=31)) > 0  # never confirmed: gone
    assert store.subscriptions_of("ann@example.org") is None
    store.add(by("bo@example.org", "kb", notify=True, created=T0))
    reader_mail.run(settings, store, T0)
    assert store.forget_subscriber("bo@example.org")
    assert store.subscriptions_of("bo@example.org") is None


def test_notices_are_not_sent_again_after_the_purge(store, inbox, settings):
    ann = store.add(by("ann@example.org", "ka", notify=True, status="approved", created=T0))
    reader_mail.run(settings, store, T0)
    confirm(settings, store, received(inbox)[0][1])
    store.add(by("bob@example.org", "kb", parent=ann, status="approved", created=T0))
    reader_mail.run(settings, store, T0 + timedelta(minutes=1))
    assert len(received(inbox)) == 3
    later = T0 + timedelta(days=31)
    store.purge_mail(later - timedelta(days=30))
    reader_mail.run(settings, store, later)
    assert len(received(inbox)) == 3
