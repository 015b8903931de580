"""Readers' mail end to end through the running service: the box on a JSON and on a form
post, the confirmation link (a GET that shows, a POST that confirms), and RFC 8058's
one-click unsubscribe, posted as a mail provider does (no Origin, no CSRF token)."""

import re
from email import message_from_bytes, policy
from urllib.parse import parse_qs, urlsplit

from newsroom.comments import reader_mail
from newsroom.comments.store.clock import now
from tests.support.service import THREAD

SENDER = "news@news.example"


def received(inbox) -> list:
    """The mails the server took, read with the modern policy (headers decoded)."""
    return [
        (to, message_from_bytes(m.as_bytes(), policy=policy.default)) for to, m in inbox.messages
    ]


def comment(**more) -> dict:
    return {"thread": THREAD, "author": "Ann", "email": "ann@example.org", "body": "Hi", **more}


def path_in(message, action: str) -> str:
    text = message.get_body(("plain",)).get_content()
    link = re.search(rf"\S+/api/subscriptions/{action}\?\S+", text).group(0)
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def test_confirm_then_unsubscribe_with_one_click(service_runner, fake_akismet, inbox):
    env = {
        **fake_akismet.env(),
        "NEWSROOM_SMTP_URL": inbox.url,
        "NEWSROOM_MAIL_FROM": SENDER,
        "NEWSROOM_SERVICE_URL": "https://comments.news.example",
    }
    service = service_runner.start(env)
    settings, store = service.settings.comments, service.store
    with service.client() as client:
        ticked = client.post("/api/comments", json=comment(notify=True)).json()["id"]
        form = {**comment(email="bo@example.org", body="Form"), "notify": "on"}
        by_form = client.post("/api/comments", data=form, headers={"Accept": "text/html"})
        assert by_form.status_code == 303
        plain = client.post("/api/comments", json=comment(email="cy@example.org")).json()["id"]
        refused = client.post("/api/comments", json=comment(notify="maybe"))
        assert refused.status_code == 422 and "notify" in refused.json()["errors"]
        assert store.get(ticked).notify and not store.get(plain).notify
        assert reader_mail.run(settings, store, now()).sent == 2
        confirmation = next(m for to, m in received(inbox) if to == ["ann@example.org"])
        confirm = path_in(confirmation, "confirm")

        shown = client.get(confirm)
        assert shown.status_code == 200 and "Yes, e-mail me" in shown.text
        assert shown.headers["cache-control"] == "no-store"
        assert store.subscriptions_of("ann@example.org")["confirmed"] is None  # a GET only shows
        done = client.post(
            confirm.split("?")[0], data={"token": parse_qs(confirm.split("?")[1])["token"][0]}
        )
        assert done.status_code == 200 and "Address confirmed" in done.text
        assert store.subscriptions_of("ann@example.org")["confirmed"] is not None

        store.set_status([ticked], "approved")
        reader_mail.run(settings, store, now())
        (_, published) = received(inbox)[-1]
        assert "is published" in published["Subject"]
        one_click = urlsplit(published["List-Unsubscribe"].strip("<>"))
        page = client.get(f"{one_click.path}?{one_click.query}")
        assert "Stop every mail" in page.text
        answer = client.post(
            f"{one_click.path}?{one_click.query}",
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert answer.status_code == 200 and "no more mail" in answer.text
        assert store.subscriptions_of("ann@example.org")["subscriptions"] == []
        reply = comment(author="Bob", email="bob@example.org", parent=ticked)
        bob = client.post("/api/comments", json=reply).json()["id"]
        store.set_status([bob], "approved")
        sent = len(inbox.messages)
        assert reader_mail.run(settings, store, now()).sent == 0  # no further mail
        assert len(inbox.messages) == sent

        expired = client.get("/api/subscriptions/confirm?token=forged.token")
        assert expired.status_code == 410
