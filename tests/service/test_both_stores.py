"""The posting pipeline behaves the same on SQLite and on PostgreSQL, over real HTTP."""

import pytest

from tests.support.service import OTHER_THREAD, THREAD


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/comments.sqlite3"
    return request.getfixturevalue("postgres_url")


def comment(n: int = 1, **changes) -> dict:
    return {
        "thread": THREAD,
        "author": f"Reader {n}",
        "email": f"r{n}@example.org",
        "body": f"Comment {n}",
        **changes,
    }


def test_the_whole_pipeline(service_runner, fake_akismet, database_url):
    env = {**fake_akismet.env(), "NEWSROOM_MODERATION": "known", "NEWSROOM_RATE_LIMIT": "4"}
    service = service_runner.start(env, database_url=database_url)
    store = service.store
    with service.client() as client:

        def post(data):
            return client.post("/api/comments", json=data)

        first = post(comment(1)).json()
        assert first["status"] == "pending"
        assert post(comment(1)).status_code == 409  # the same text again
        fake_akismet.answer_next("spam", "discard", "error")
        spam = post(comment(2)).json()
        dropped = post(comment(3)).json()
        unchecked = post(comment(4)).json()
        assert {spam["status"], dropped["status"], unchecked["status"]} == {"pending"}
        assert post(comment(5)).status_code == 429  # three stored and one dropped from this address

        assert (store.get(spam["id"]).status, store.get(spam["id"]).akismet) == ("spam", "spam")
        assert store.get(dropped["id"]) is None
        assert (store.get(unchecked["id"]).status, store.get(unchecked["id"]).akismet) == (
            "pending",
            "unchecked",
        )

        # Published: listed with public fields only, counted, and its author now known.
        store.set_status([first["id"]], "approved")
        listing = client.get("/api/comments", params={"thread": THREAD}).json()
        assert [c["id"] for c in listing["comments"]] == [first["id"]]
        assert listing["comments"][0]["body_html"] == "<p>Comment 1</p>"
        counts = client.get(
            "/api/comments/counts", params=[("thread", THREAD), ("thread", OTHER_THREAD)]
        ).json()
        assert counts == {THREAD: 1, OTHER_THREAD: 0}

    service = service_runner.start(
        {**fake_akismet.env(), "NEWSROOM_MODERATION": "known", "NEWSROOM_RATE_LIMIT": "0"},
        database_url=database_url,
    )
    with service.client() as client:
        reply = comment(1, body="A reply", parent=first["id"])
        proof = {"Newsroom-Author": first["author_token"]}
        answer = client.post("/api/comments", json=reply, headers=proof)
        assert answer.json()["status"] == "approved"  # a known author goes straight through
        elsewhere = client.post("/api/comments", json=reply | {"thread": OTHER_THREAD})
        assert elsewhere.status_code == 422
        assert "parent" in elsewhere.json()["errors"]
    stored = store.get(answer.json()["id"])
    assert (stored.parent, stored.ip, stored.akismet) == (first["id"], "127.0.0.1", "ham")
