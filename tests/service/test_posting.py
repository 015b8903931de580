"""Posting comments over real HTTP, with the real akismet library talking to a fake Akismet."""

import pytest

from tests.support.akismet import API_KEY, BLOG_URL
from tests.support.service import OTHER_THREAD, THREAD


def comment(**changes) -> dict:
    data = {
        "thread": THREAD,
        "author": "Ann Example",
        "email": "ann@example.org",
        "url": "https://ann.example/",
        "body": "A *thoughtful* comment.",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post(service, data=None, **kwargs):
    with service.client() as client:
        if data is not None:
            kwargs["json"] = data
        return client.post("/api/comments", **kwargs)


def test_ham_waits_for_a_moderator(service, fake_akismet):
    answer = post(service, comment(), headers={"User-Agent": "Reader/1.0", "Referer": "http://r/"})
    assert answer.status_code == 202
    assert answer.json() == {
        "id": answer.json()["id"],
        "status": "pending",
        "author_token": answer.json()["author_token"],
    }
    assert answer.json()["author_token"]
    stored = service.store.get(answer.json()["id"])
    assert (stored.status, stored.akismet) == ("pending", "ham")
    assert stored.body == "A *thoughtful* comment."
    assert stored.body_html == "<p>A <em>thoughtful</em> comment.</p>"
    assert (stored.ip, stored.user_agent, stored.referrer) == (
        "127.0.0.1",
        "Reader/1.0",
        "http://r/",
    )


def test_every_parameter_akismet_documents_is_sent(service, fake_akismet):
    post(service, comment(), headers={"User-Agent": "Reader/1.0", "Referer": "http://r/"})
    (sent,) = fake_akismet.calls("comment-check")
    assert sent["api_key"] == API_KEY
    assert sent["blog"] == BLOG_URL
    assert sent["user_ip"] == "127.0.0.1"
    assert sent["user_agent"] == "Reader/1.0"
    assert sent["referrer"] == "http://r/"
    assert sent["permalink"] == f"{service.url}/articles/{THREAD}/"
    assert sent["comment_type"] == "comment"
    assert sent["comment_author"] == "Ann Example"
    assert sent["comment_author_email"] == "ann@example.org"
    assert sent["comment_author_url"] == "https://ann.example/"
    assert sent["comment_content"] == "A *thoughtful* comment."
    assert sent["comment_date_gmt"].endswith("+00:00")
    assert sent["comment_post_modified_gmt"] == "2018-08-28T10:30:00+00:00"
    assert sent["blog_lang"] == "en"
    assert sent["blog_charset"] == "UTF-8"
    assert sent["honeypot_field_name"] == "nickname"
    assert "is_test" not in sent
    assert sent["_user_agent"].startswith("akismet.py/")


def test_is_test_when_configured(service_runner, fake_akismet):
    service = service_runner.start({**fake_akismet.env(), "NEWSROOM_AKISMET_IS_TEST": "1"})
    post(service, comment())
    assert fake_akismet.calls("comment-check")[0]["is_test"] in ("1", "True", "true")


def test_spam_is_stored_as_spam_and_answered_like_pending(service, fake_akismet):
    fake_akismet.answer_with("spam")
    answer = post(service, comment())
    assert answer.status_code == 202
    assert answer.json()["status"] == "pending"
    stored = service.store.get(answer.json()["id"])
    assert (stored.status, stored.akismet) == ("spam", "spam")


def test_discard_is_dropped_and_answered_like_pending(service, fake_akismet):
    fake_akismet.answer_with("discard")
    answer = post(service, comment())
    assert answer.status_code == 202
    assert set(answer.json()) == {"id", "status", "author_token"}
    assert answer.json()["status"] == "pending"
    assert service.store.export() == []


@pytest.mark.parametrize("fault", ["invalid", "error", "odd", "slow"])
def test_an_akismet_fault_keeps_the_comment_pending_and_unchecked(
    service_runner, fake_akismet, fault
):
    env = {**fake_akismet.env(), "PYTHON_AKISMET_TIMEOUT": "0.3", "NEWSROOM_MODERATION": "none"}
    service = service_runner.start(env)
    fake_akismet.answer_with("ham", delay=1.0) if fault == "slow" else fake_akismet.answer_with(
        fault
    )
    answer = post(service, comment())
    assert answer.status_code == 202
    assert answer.json()["status"] == "pending"
    stored = service.store.get(answer.json()["id"])
    assert (stored.status, stored.akismet) == ("pending", "unchecked")


def test_refused_connection_keeps_the_comment(service_runner, fake_akismet):
    from tests.support.service import free_port

    env = {**fake_akismet.env(), "NEWSROOM_AKISMET_URL": f"http://127.0.0.1:{free_port()}"}
    service = service_runner.start(env)
    answer = post(service, comment())
    assert answer.status_code == 202
    assert service.store.get(answer.json()["id"]).akismet == "unchecked"


def test_no_key_holds_comments_unchecked(service_runner, caplog):
    service = service_runner.start({"NEWSROOM_MODERATION": "none"})
    answer = post(service, comment())
    post(service, comment(body="Second"))
    warnings = [r for r in caplog.records if "No Akismet key configured" in r.getMessage()]
    assert len(warnings) == 1
    assert answer.json()["status"] == "pending"
    assert service.store.get(answer.json()["id"]).akismet == "unchecked"


def test_moderation_none_publishes_ham(service_runner, fake_akismet):
    service = service_runner.start({**fake_akismet.env(), "NEWSROOM_MODERATION": "none"})
    answer = post(service, comment())
    assert answer.json()["status"] == "approved"
    with service.client() as client:
        listing = client.get("/api/comments", params={"thread": THREAD}).json()
    assert listing["count"] == 1
    (public,) = listing["comments"]
    assert set(public) == {"id", "parent", "author", "url", "body_html", "created", "staff"}
    assert public["staff"] is False
    assert "ann@example.org" not in str(listing)
    assert "127.0.0.1" not in str(listing)


def test_moderation_known_publishes_authors_with_an_approved_comment(service_runner, fake_akismet):
    service = service_runner.start({**fake_akismet.env(), "NEWSROOM_MODERATION": "known"})
    first = post(service, comment())
    assert first.json()["status"] == "pending"
    proof = {"Newsroom-Author": first.json()["author_token"]}
    service.store.set_status([first.json()["id"]], "approved")
    assert post(service, comment(body="Second"), headers=proof).json()["status"] == "approved"
    other = post(service, comment(body="Other", email="bob@example.org"), headers=proof)
    assert other.json()["status"] == "pending"  # the proof is for Ann's address only


def test_a_regulars_address_alone_proves_nothing(service_runner, fake_akismet):
    """A stranger who types a regular's address waits like anyone, and the answer does
    not tell them whether that address was ever approved."""
    service = service_runner.start({**fake_akismet.env(), "NEWSROOM_MODERATION": "known"})
    first = post(service, comment())
    service.store.set_status([first.json()["id"]], "approved")
    stranger = post(service, comment(body="I am Ann, honestly"))
    forged = post(service, comment(body="Forged"), headers={"Newsroom-Author": "e30.AAAA"})
    for answer in (stranger, forged):
        assert answer.json()["status"] == "pending"
        assert service.store.get(answer.json()["id"]).status == "pending"
    never = post(service, comment(body="Unknown", email="new@example.org")).json()
    assert set(never) == set(stranger.json()) and never["status"] == "pending"


def test_without_javascript_the_proof_is_a_cookie(service_runner, fake_akismet):
    service = service_runner.start({**fake_akismet.env(), "NEWSROOM_MODERATION": "known"})
    with service.client() as client:
        first = client.post("/api/comments", data=comment())
        assert first.status_code == 303 and first.headers["location"].endswith("#comment-pending")
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/api/comments" in cookie
        (stored,) = service.store.select()
        service.store.set_status([stored.id], "approved")
        second = client.post("/api/comments", data=comment(body="Again, as a regular"))
    assert second.headers["location"].endswith("#comment-published")


def test_replies_need_a_published_parent_in_the_same_thread(service, fake_akismet):
    parent = post(service, comment()).json()["id"]
    refused = post(service, comment(body="Reply", parent=parent))
    assert refused.status_code == 422
    assert "parent" in refused.json()["errors"]
    service.store.set_status([parent], "approved")
    answer = post(service, comment(body="Reply", parent=parent))
    assert answer.status_code == 202
    assert fake_akismet.calls("comment-check")[-1]["comment_type"] == "reply"
    other = post(service, comment(thread=OTHER_THREAD, body="Elsewhere", parent=parent))
    assert other.status_code == 422


def test_honeypot_is_answered_like_pending_and_dropped(service, fake_akismet):
    answer = post(service, comment(nickname="bot"))
    assert answer.status_code == 202
    assert answer.json()["status"] == "pending"
    assert service.store.export() == []
    assert fake_akismet.calls("comment-check") == []


def test_rate_limit_and_duplicates(service_runner, fake_akismet):
    service = service_runner.start({**fake_akismet.env(), "NEWSROOM_RATE_LIMIT": "2"})
    assert post(service, comment(body="one")).status_code == 202
    duplicate = post(service, comment(body="one"))
    assert duplicate.status_code == 409
    assert "already" in duplicate.json()["errors"]["body"]
    assert post(service, comment(body="two")).status_code == 202
    limited = post(service, comment(body="three"))
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "60"
    assert "2 a minute" in limited.json()["errors"]["request"]


def test_trusted_proxy_address(service_runner, fake_akismet):
    service = service_runner.start({**fake_akismet.env(), "NEWSROOM_TRUSTED_PROXIES": "127.0.0.1"})
    post(service, comment(), headers={"X-Forwarded-For": "6.6.6.6, 198.51.100.7"})
    assert fake_akismet.calls("comment-check")[0]["user_ip"] == "198.51.100.7"


def test_untrusted_forwarded_for_is_ignored(service, fake_akismet):
    post(service, comment(), headers={"X-Forwarded-For": "198.51.100.7"})
    assert fake_akismet.calls("comment-check")[0]["user_ip"] == "127.0.0.1"


def test_form_post_redirects_back_to_the_article(service, fake_akismet):
    form = comment() | {"parent": "", "nickname": ""}
    with service.client() as client:
        answer = client.post("/api/comments", data=form)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/articles/{THREAD}/#comment-pending"


def test_an_absolute_permalink_is_the_form_posts_target(service_runner, fake_akismet, tmp_path):
    from tests.support.service import write_manifest

    manifest = write_manifest(tmp_path / "site-threads.json", site_url="https://news.example")
    service = service_runner.start({**fake_akismet.env(), "NEWSROOM_THREADS": str(manifest)})
    with service.client() as client:
        answer = client.post("/api/comments", data=comment())
    assert answer.headers["location"] == f"https://news.example/articles/{THREAD}/#comment-pending"
    sent = fake_akismet.calls("comment-check")[0]
    assert sent["permalink"] == f"https://news.example/articles/{THREAD}/"


def test_form_errors_come_back_as_a_page_with_the_text_kept(service):
    from bs4 import BeautifulSoup

    form = comment(email="not-an-address", body="<script>alert(1)</script> kept")
    with service.client() as client:
        answer = client.post("/api/comments", data=form)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    page = BeautifulSoup(answer.text, "html5lib")
    assert page.select_one("#comment-email-error").get_text().startswith("Enter an e-mail")
    assert page.select_one("#comment-email")["aria-invalid"] == "true"
    assert page.select_one("textarea").get_text() == "<script>alert(1)</script> kept"
    assert page.find("script") is None
    assert page.select_one('input[name="author"]')["value"] == "Ann Example"


def test_reply_form_page(service):
    with service.client() as client:
        answer = client.get("/api/comments/form", params={"thread": THREAD, "parent": "7"})
        # behind a TLS proxy the request arrives as http: the form must not post to http
        refused = client.post(
            "/api/comments", data={"thread": THREAD}, headers={"Host": "news.example"}
        )
    assert answer.status_code == 200
    assert 'name="parent" value="7"' in answer.text
    assert "This site uses Akismet to reduce spam." in answer.text
    for page in (answer, refused):
        assert 'action="/api/comments"' in page.text


def test_the_form_page_asks_for_the_declared_fields(service):
    """The same template as the article's form: every field, with its declared limit."""
    from bs4 import BeautifulSoup

    from newsroom.comments.model import POSTED

    with service.client() as client:
        answer = client.get("/api/comments/form", params={"thread": THREAD})
    form = BeautifulSoup(answer.text, "html5lib").select_one("form#comment-form")
    shown = form.select("input:not([type=hidden]), textarea")
    assert [field["name"] for field in shown] == [f.name for f in POSTED if f.shown]
    limits = {field["name"]: field.get("maxlength") for field in shown}
    texts = ("honeypot", "checkbox")  # a box has no length
    declared = {f.name: str(f.limit) for f in POSTED if f.shown and f.input not in texts}
    assert {name: limits[name] for name in declared} == declared


def test_counts_and_health(service):
    id = post(service, comment()).json()["id"]
    service.store.set_status([id], "approved")
    with service.client() as client:
        counts = client.get("/api/comments/counts", params=[("thread", THREAD), ("thread", "x")])
        assert counts.json() == {THREAD: 1, "x": 0}
        assert client.get("/api/comments/counts").status_code == 400
        assert client.get("/api/health").json() == {"status": "ok"}


def multipart(data: dict) -> list:
    """Form fields as multipart/form-data parts without a file name, as browsers send them."""
    return [(name, (None, value)) for name, value in data.items()]


def test_multipart_form_post_redirects_back_to_the_article(service, fake_akismet):
    form = comment(body="Über *alles*\r\nnext") | {"parent": "", "nickname": ""}
    with service.client() as client:
        answer = client.post("/api/comments", files=multipart(form))
    assert answer.status_code == 303
    assert answer.headers["location"].endswith(f"/articles/{THREAD}/#comment-pending")
    (stored,) = service.store.export()
    assert stored["body"] == "Über *alles*\r\nnext"
    assert fake_akismet.calls("comment-check")[0]["comment_content"] == "Über *alles*\r\nnext"


def test_multipart_errors_and_files(service):
    with service.client() as client:
        refused = client.post("/api/comments", files=multipart(comment(email="nope")))
        with_file = client.post(
            "/api/comments", files=[*multipart(comment()), ("body", ("a.txt", b"x"))]
        )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")
    assert 'id="comment-email-error"' in refused.text
    assert with_file.status_code == 422
    assert service.store.export() == []


def test_published_form_post_goes_to_the_published_notice(service_runner, fake_akismet):
    service = service_runner.start({**fake_akismet.env(), "NEWSROOM_MODERATION": "none"})
    with service.client() as client:
        answer = client.post("/api/comments", data=comment())
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("#comment-published")


def test_form_refusals_for_rate_and_duplicates_are_pages(service_runner, fake_akismet):
    service = service_runner.start({**fake_akismet.env(), "NEWSROOM_RATE_LIMIT": "2"})
    with service.client() as client:
        assert client.post("/api/comments", data=comment()).status_code == 303
        duplicate = client.post("/api/comments", data=comment())
        assert client.post("/api/comments", data=comment(body="Second")).status_code == 303
        limited = client.post("/api/comments", data=comment(body="Third"))
    assert duplicate.status_code == 409
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "60"
    for page in (duplicate, limited):
        assert page.headers["content-type"].startswith("text/html")
        assert "Ann Example" in page.text  # the reader's text kept


def test_honeypot_and_discard_answers_look_like_pending_ones(service, fake_akismet):
    """A bot cannot tell a dropped comment from a stored one by the answer's shape."""
    stored = post(service, comment(body="kept")).json()
    fake_akismet.answer_with("discard")
    discarded = post(service, comment(body="dropped")).json()
    honeypot = post(service, comment(body="bot", nickname="x")).json()
    fake_akismet.answer_with("ham")
    later = post(service, comment(body="kept too")).json()
    for answer in (discarded, honeypot):
        assert set(answer) == set(stored) == {"id", "status", "author_token"}
        assert answer["status"] == "pending"
    # Ids go up and never repeat: a dropped comment's id is never given to another.
    ids = [stored["id"], discarded["id"], honeypot["id"], later["id"]]
    assert ids == sorted(set(ids))
    assert [c["body"] for c in service.store.export()] == ["kept", "kept too"]


def test_dropped_comments_count_against_the_rate_limit(service_runner, fake_akismet):
    service = service_runner.start({**fake_akismet.env(), "NEWSROOM_RATE_LIMIT": "3"})
    fake_akismet.answer_next("discard")
    assert post(service, comment(body="one")).status_code == 202  # discarded
    assert post(service, comment(body="two", nickname="bot")).status_code == 202  # honeypot
    assert post(service, comment(body="three")).status_code == 202  # stored
    limited = post(service, comment(body="four", nickname="bot"))
    assert limited.status_code == 429
    assert [c["body"] for c in service.store.export()] == ["three"]
    assert len(fake_akismet.calls("comment-check")) == 2


def test_public_answers_carry_no_personal_data(service_runner, fake_akismet):
    service = service_runner.start({**fake_akismet.env(), "NEWSROOM_MODERATION": "none"})
    headers = {"User-Agent": "SecretAgent/7", "X-Forwarded-For": "198.51.100.99"}
    answer = post(service, comment(email="hidden@example.org"), headers=headers)
    with service.client() as client:
        pages = [
            answer.text,
            client.get("/api/comments", params={"thread": THREAD}).text,
            client.get("/api/comments/counts", params={"thread": THREAD}).text,
        ]
    for page in pages:
        for private in ("hidden@example.org", "SecretAgent", "127.0.0.1", "198.51.100.99"):
            assert private not in page


def test_a_text_that_cannot_be_rendered_in_time_waits_as_typed(
    service_runner, fake_akismet, monkeypatch
):
    """Rendering runs off the event loop; past the deadline (or on a fault) the comment is
    kept as escaped plain text and held for a moderator, even with moderation off."""
    import time

    from newsroom.comments import text as comment_text
    from newsroom.service import posting

    monkeypatch.setattr(posting, "RENDER_DEADLINE", 0.2)
    monkeypatch.setattr(comment_text, "render", lambda text: time.sleep(1) or "<p>late</p>")
    service = service_runner.start({**fake_akismet.env(), "NEWSROOM_MODERATION": "none"})
    long_text = "<b>Bold</b> *claim* " + "x" * 1200
    started = time.monotonic()
    with service.client() as client:
        answer = client.post("/api/comments", json=comment(body=long_text))
        health = client.get("/api/health")
    assert answer.status_code == 202 and answer.json()["status"] == "pending"
    assert health.status_code == 200
    assert time.monotonic() - started < 1.0  # not waiting for the renderer
    stored = service.store.get(answer.json()["id"])
    assert stored.status == "pending" and stored.body == long_text
    assert stored.body_html.startswith("<p>&lt;b&gt;Bold&lt;/b&gt; *claim* xxx")


def test_a_form_post_from_another_site_is_refused(service_runner, fake_akismet):
    """Another site's page could make its visitors post for it (a spammer's comments from
    innocent readers' addresses): a form post must come from the site's own pages."""
    env = {
        **fake_akismet.env(),
        "NEWSROOM_SITE_URL": "https://news.example",
        "NEWSROOM_ALLOWED_ORIGINS": "https://partner.example",
    }
    service = service_runner.start(env)

    def form_post(**headers):
        with service.client() as client:
            return client.post("/api/comments", data=comment(body=str(headers)), headers=headers)

    for foreign in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "https://news.example.evil.example"},
        {"Referer": "https://evil.example/page.html"},
        {"Origin": "http://news.example"},  # not the https site
    ):
        answer = form_post(**foreign)
        assert answer.status_code == 403, foreign
        assert answer.headers["content-type"].startswith("text/html")
        assert "another site" in answer.text and "Comment not accepted" in answer.text
    assert service.store.export() == []
    for ours in (
        {"Origin": "https://news.example"},
        {"Origin": "https://NEWS.example:443"},
        {"Referer": "https://news.example/articles/x/"},
        {"Origin": "https://partner.example"},
        {},  # neither header (curl, some privacy settings): judged as before
    ):
        assert form_post(**ours).status_code == 303, ours
    with service.client() as client:  # JSON is CORS's business, not this check's
        json_post = client.post(
            "/api/comments", json=comment(body="JSON"), headers={"Origin": "https://x.example"}
        )
    assert json_post.status_code == 202


def test_without_a_public_url_the_requests_own_host_is_the_site(service, fake_akismet):
    with service.client() as client:
        own = client.post("/api/comments", data=comment(), headers={"Origin": service.url})
        other = client.post(
            "/api/comments", data=comment(body="x"), headers={"Origin": "http://127.0.0.2:80"}
        )
    assert (own.status_code, other.status_code) == (303, 403)


def test_akismets_advice_to_recheck_keeps_a_comment_waiting(service_runner, fake_akismet):
    """Ham, but "ask again later" (X-akismet-recheck-after): not published, even with
    moderation off, and its recheck is put off by the delay Akismet gave."""
    from datetime import timedelta

    from newsroom.comments.store.clock import now

    service = service_runner.start({**fake_akismet.env(), "NEWSROOM_MODERATION": "none"})
    fake_akismet.answer_with("recheck")
    answer = post(service, comment())
    assert answer.json()["status"] == "pending"
    stored = service.store.get(answer.json()["id"])
    assert (stored.status, stored.akismet) == ("pending", "unchecked")
    assert now() + timedelta(minutes=59) < stored.recheck_at < now() + timedelta(minutes=61)
