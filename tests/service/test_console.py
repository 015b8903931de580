"""The console over real HTTP on 127.0.0.1 (and HTTPS with a certificate the test makes):
sessions, cookies, CSRF, back-off, roles, actions, mail links, headers."""

import re
from urllib.parse import urlencode

import httpx
import pytest

from newsroom.comments import action_links
from newsroom.comments.store.clock import now
from tests.support.console import (
    ADMIN,
    MODERATOR,
    PASSWORD,
    csrf_of,
    sign_in,
    sign_in_token,
    with_moderators,
)
from tests.support.service import THREAD

JSON = {"Accept": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
GETS = ["/moderate/", "/moderate/comments/1", "/moderate/moderators", "/moderate/password"]
POSTS = [
    "/moderate/act",
    "/moderate/empty-spam",
    "/moderate/comments/1/reply",
    "/moderate/comments/1/edit",
    "/moderate/moderators",
    "/moderate/password",
    "/moderate/logout",
]


def test_every_console_route_needs_a_session(console):
    console.add_comments(1)
    with console.client() as client:
        for path in GETS:
            answer = client.get(path)
            assert (answer.status_code, answer.headers["location"]) == (303, "/moderate/login")
            assert client.get(path, headers=JSON).status_code == 401
        for path in POSTS:
            answer = client.post(path, data={"do": "approve 1", "action": "approve", "id": "1"})
            assert (answer.status_code, answer.headers["location"]) == (303, "/moderate/login")
            answer = client.post(path, data={"do": "approve 1"}, headers=JSON)
            assert answer.status_code == 401 and answer.json() == {"error": "Sign in first."}
    assert console.store.get(1).status == "pending" and console.store.log() == []


def test_a_state_change_without_the_csrf_token_is_refused(console):
    (id,) = console.add_comments(1)
    with console.client() as client:
        assert sign_in(client).status_code == 303
        real = csrf_of(client)
        for token in ({}, {"csrf": ""}, {"csrf": "x" * 43}, {"csrf": real[:-1]}):
            for path, data in (
                ("/moderate/act", {"do": f"approve {id}"}),
                ("/moderate/empty-spam", {}),
                (f"/moderate/comments/{id}/reply", {"body": "A reply"}),
                (f"/moderate/comments/{id}/edit", {"body": "Changed"}),
                ("/moderate/moderators", {"do": "remove", "email": MODERATOR}),
                ("/moderate/logout", {}),
            ):
                answer = client.post(path, data={**data, **token})
                assert answer.status_code == 403, (path, token)
        # another session's token is not this one's
        with console.client() as other:
            sign_in(other, MODERATOR)
            theirs = csrf_of(other)
        assert client.post("/moderate/act", data={"do": f"approve {id}", "csrf": theirs})
        assert client.get("/moderate/").status_code == 200  # still signed in
    assert console.store.get(id).status == "pending" and console.store.log() == []
    assert console.store.get(id).body == "Comment 0"
    assert console.store.moderator(MODERATOR) is not None


def test_the_session_cookie_over_plain_http_on_this_machine(console):
    with console.client() as client:
        answer = sign_in(client)
    assert answer.status_code == 303 and answer.headers["location"] == "/moderate/"
    cookie = answer.headers["set-cookie"]
    name, _, attributes = cookie.partition(";")
    assert name.startswith("newsroom-console=")
    parts = {a.strip().lower() for a in attributes.split(";")}
    assert {"httponly", "path=/", "samesite=strict"} <= parts
    assert "secure" not in parts and not any(a.startswith("domain") for a in parts)


def test_the_session_cookie_over_https(service_runner, fake_akismet, self_signed):
    running = service_runner.start(fake_akismet.env(), tls=self_signed)
    with_moderators(running.store)
    with running.client() as client:
        answer = sign_in(client)
        assert answer.status_code == 303
        name, _, attributes = answer.headers["set-cookie"].partition(";")
        assert name.startswith("__Host-newsroom-console=")
        parts = {a.strip().lower() for a in attributes.split(";")}
        assert {"secure", "httponly", "path=/", "samesite=strict"} <= parts
        assert not any(a.startswith("domain") for a in parts)
        assert client.get("/moderate/").status_code == 200


def _through_proxy(address: str, https: bool) -> dict:
    headers = {"x-forwarded-for": address}
    return headers | ({"x-forwarded-proto": "https"} if https else {})


@pytest.fixture
def behind_proxy(service_runner, fake_akismet):
    running = service_runner.start(fake_akismet.env() | {"NEWSROOM_TRUSTED_PROXIES": "127.0.0.1"})
    with_moderators(running.store)
    return running


def _try(client, address: str, password: str, https: bool = True) -> int:
    headers = _through_proxy(address, https)
    page = client.get("/moderate/login", headers=headers)
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    data = {"token": token, "email": ADMIN, "password": password}
    return client.post("/moderate/login", data=data, headers=headers).status_code


def test_plain_http_from_another_machine_cannot_sign_in(behind_proxy):
    with behind_proxy.client() as client:
        assert _try(client, "203.0.113.5", PASSWORD, https=False) == 403
        page = client.get("/moderate/login", headers=_through_proxy("203.0.113.5", False))
        assert "over HTTPS only" in page.text
        assert _try(client, "203.0.113.5", PASSWORD, https=True) == 303  # via the TLS proxy


def test_five_failures_hold_back_that_address_only(behind_proxy):
    with behind_proxy.client() as client:
        for _ in range(5):
            assert _try(client, "198.51.100.7", "not the password at all") == 401
        assert _try(client, "198.51.100.7", PASSWORD) == 429  # even the right one
        assert _try(client, "203.0.113.9", PASSWORD) == 303  # from elsewhere: in


def test_a_new_session_id_at_each_sign_in_and_the_old_one_ends(console):
    with console.client() as client:
        first = sign_in(client).cookies["newsroom-console"]
        second = sign_in(client).cookies["newsroom-console"]  # sent the first one along
    assert first != second
    with console.client(cookies={"newsroom-console": first}) as stale:
        assert stale.get("/moderate/").status_code == 303
    with console.client(cookies={"newsroom-console": second}) as current:
        assert current.get("/moderate/").status_code == 200


def test_signing_out_ends_the_session_and_clears_the_browser(console):
    with console.client() as client:
        cookie = sign_in(client).cookies["newsroom-console"]
        answer = client.post("/moderate/logout", data={"csrf": csrf_of(client)})
        assert (answer.status_code, answer.headers["location"]) == (303, "/moderate/login")
        assert answer.headers["clear-site-data"] == '"cache", "cookies"'
    with console.client(cookies={"newsroom-console": cookie}) as replay:
        assert replay.get("/moderate/").status_code == 303


def test_a_removed_moderators_session_stops_at_its_next_request(console):
    with console.client() as moderator, console.client() as admin:
        sign_in(moderator, MODERATOR)
        assert moderator.get("/moderate/").status_code == 200
        sign_in(admin)
        answer = admin.post(
            "/moderate/moderators",
            data={"csrf": csrf_of(admin), "do": "remove", "email": MODERATOR},
        )
        assert answer.status_code == 303 and "done=" in answer.headers["location"]
        assert moderator.get("/moderate/").status_code == 303


def test_only_admins_manage_moderators(console):
    with console.client() as client:
        sign_in(client, MODERATOR)
        assert client.get("/moderate/moderators").status_code == 403
        data = {"csrf": csrf_of(client), "do": "add", "email": "new@news.example"}
        assert client.post("/moderate/moderators", data=data).status_code == 403
    assert console.store.moderator("new@news.example") is None


def test_an_admin_adds_a_moderator_who_then_signs_in(console):
    with console.client() as admin:
        sign_in(admin)
        data = {
            "csrf": csrf_of(admin),
            "do": "add",
            "email": "New@News.Example",
            "name": "New one",
            "role": "moderator",
            "password": "a long enough password",
        }
        assert admin.post("/moderate/moderators", data=data).status_code == 303
        short = {**data, "email": "two@news.example", "password": "short"}
        answer = admin.post("/moderate/moderators", data=short)
        assert "error=" in answer.headers["location"]
    with console.client() as new:
        assert sign_in(new, "new@news.example", "a long enough password").status_code == 303


def test_every_console_answer_carries_the_security_headers(console):
    with console.client() as client:
        answers = [client.get("/moderate/login"), client.get("/moderate/nothing-here")]
        sign_in(client)
        answers += [client.get("/moderate/"), client.get("/moderate/comments/999")]
        answers.append(client.get("/moderate/static/console.js"))
    for answer in answers:
        csp = answer.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["cache-control"] == "no-store"
    assert answers[3].status_code == 404


def test_bulk_spam_tells_akismet_about_each(console, fake_akismet):
    ids = console.add_comments(3)
    with console.client() as client:
        sign_in(client)
        data = [("csrf", csrf_of(client)), ("action", "spam"), ("back", "/moderate/")]
        data += [("id", str(ids[0])), ("id", str(ids[1]))]
        answer = client.post("/moderate/act", content=urlencode(data), headers=FORM)
        assert answer.status_code == 303 and answer.headers["location"] == "/moderate/"
    assert [console.store.get(i).status for i in ids] == ["spam", "spam", "pending"]
    assert len(fake_akismet.calls("submit-spam")) == 2
    assert console.store.get(ids[0]).feedback == "spam sent"
    actions = [(e.action, e.actor) for e in console.store.log(comment_id=ids[0])]
    assert actions == [("report", ADMIN), ("spam", ADMIN)]


def test_the_script_gets_json_and_its_token_goes_in_a_header(console):
    (id,) = console.add_comments(1)
    with console.client() as client:
        sign_in(client)
        headers = JSON | {"X-CSRF-Token": csrf_of(client)}
        answer = client.post("/moderate/act", data={"do": f"approve {id}"}, headers=headers)
        assert answer.json() == {
            "action": "approve",
            "changed": [id],
            "missing": [],
            "report_failures": {},
            "published": "nothing published: no build record (.newsroom/site.json): build "
            "the site once with this version (make html or make publish)",
        }
        counts = client.get("/moderate/", headers=JSON).json()["counts"]
    assert counts["approved"] == "1" and counts["pending"] == "0"


def test_a_staff_reply_reaches_the_api_marked_as_staff(console):
    (id,) = console.add_comments(1, status="approved")
    with console.client() as client:
        sign_in(client)
        answer = client.post(
            f"/moderate/comments/{id}/reply",
            data={"csrf": csrf_of(client), "body": "We have *corrected* it."},
        )
        assert answer.status_code == 303
        listing = client.get("/api/comments", params={"thread": THREAD}).json()
    reader, staff = listing["comments"]
    assert (reader["staff"], staff["staff"], staff["parent"]) == (False, True, id)
    assert "<em>corrected</em>" in staff["body_html"]


def test_a_quick_edit_is_sanitised_and_recorded(console):
    (id,) = console.add_comments(1)
    with console.client() as client:
        sign_in(client)
        data = {
            "csrf": csrf_of(client),
            "author": "Ann",
            "url": "",
            "body": "<img src=x onerror=alert(1)> ok",
        }
        assert client.post(f"/moderate/comments/{id}/edit", data=data).status_code == 303
        page = client.get(f"/moderate/comments/{id}").text
    edited = console.store.get(id)
    assert "<img" not in edited.body_html  # escaped into text, as a reader's post is
    assert "&lt;img src=x onerror=alert(1)&gt; ok" in page  # shown as text in the console
    (entry,) = console.store.log(comment_id=id)
    assert entry.previous == {"body": "Comment 0"}


def test_a_coming_back_address_cannot_lead_elsewhere(console):
    (id,) = console.add_comments(1)
    with console.client() as client:
        sign_in(client)
        for back in ("//evil.example/", "https://evil.example/", "/moderate/\\evil", "/x"):
            data = {"csrf": csrf_of(client), "do": f"reject {id}", "back": back}
            assert client.post("/moderate/act", data=data).headers["location"] == "/moderate/"


def test_a_mail_link_shows_a_confirmation_and_works_once(console):
    (id,) = console.add_comments(1)
    signer = console.running.settings.comments.signer()
    token = action_links.make(signer, id, "approve")
    with console.client() as client:
        page = client.get(f"/moderate/mail/{token}")
        assert page.status_code == 200 and "Approve it" in page.text
        assert console.store.get(id).status == "pending"  # opening it changed nothing
        first = client.post(f"/moderate/mail/{token}", data={"token": token})
        assert first.status_code == 200 and f"Comment {id} is approved" in first.text
        again = client.post(f"/moderate/mail/{token}", data={"token": token})
        assert again.status_code == 410
        forged = action_links.make(signer, id, "spam")[:-2] + "AA"
        assert client.get(f"/moderate/mail/{forged}").status_code == 410
    assert console.store.get(id).status == "approved"
    (entry,) = console.store.log(comment_id=id)
    assert entry.actor.startswith("mail:")


def test_the_queue_filters_searches_and_pages(console):
    console.add_comments(25)
    console.store.add(
        __import__("tests.support.comments", fromlist=["new"]).new(
            thread="other", author="Zed Quux", body="needle", created=now()
        )
    )
    with console.client() as client:
        sign_in(client)
        first = client.get("/moderate/").text
        assert "Page 1 of 2" in first and first.count('class="item ') == 20
        second = client.get("/moderate/", params={"page": 2}).text
        assert second.count('class="item ') == 6
        found = client.get("/moderate/", params={"q": "NEEDLE"}).text
        assert found.count('class="item ') == 1 and "Zed Quux" in found
        by_thread = client.get("/moderate/", params={"thread": "other"}).text
        assert by_thread.count('class="item ') == 1
        oldest = client.get("/moderate/", params={"order": "oldest"}).text
        assert oldest.index("Comment 0") < oldest.index("Comment 1")
        odd = client.get("/moderate/", params={"q": "%_\\", "page": "x", "status": "nope"})
        assert odd.status_code == 200


def test_the_sign_in_form_expires(console):
    with console.client() as client:
        token = sign_in_token(client)
        data = {"token": token[:-1] + ("A" if token[-1] != "A" else "B")}
        answer = client.post("/moderate/login", data=data | {"email": ADMIN, "password": PASSWORD})
        assert answer.status_code == 403 and "expired" in answer.text


def test_a_huge_form_is_refused_without_reading_it_all(console):
    with console.client() as client:
        sign_in(client)
        body = "csrf=" + csrf_of(client) + "&body=" + "x" * 200_000
        answer = client.post("/moderate/comments/1/reply", content=body, headers=FORM)
        assert answer.status_code == 403  # nothing posted counts: no CSRF token either


def test_no_https_means_no_secure_cookie_is_ever_read_over_http(console):
    with console.client() as client:
        sign_in(client)
        cookie = client.cookies["newsroom-console"]
    jar = httpx.Cookies()
    jar.set("__Host-newsroom-console", cookie)
    with console.client(cookies=jar) as client:
        assert client.get("/moderate/").status_code == 303


def test_a_sign_in_posted_from_another_site_is_refused(console):
    with console.client() as client:
        token = sign_in_token(client)
        data = {"token": token, "email": ADMIN, "password": PASSWORD}
        answer = client.post("/moderate/login", data=data, headers={"sec-fetch-site": "cross-site"})
        assert answer.status_code == 403 and "set-cookie" not in answer.headers
        same = client.post("/moderate/login", data=data, headers={"sec-fetch-site": "same-origin"})
        assert same.status_code == 303


def test_a_proxy_nobody_named_gets_no_plain_http_sign_in(console):
    """Behind an unconfigured proxy every client would look local: no exemption then."""
    with console.client() as client:
        token = sign_in_token(client)
        data = {"token": token, "email": ADMIN, "password": PASSWORD}
        answer = client.post("/moderate/login", data=data, headers={"x-forwarded-for": "6.6.6.6"})
        assert answer.status_code == 403 and "over HTTPS" in answer.text


def test_ipv6_sign_ins_are_counted_per_48():
    from newsroom.service.console.auth import sign_in_group

    assert sign_in_group("2001:db8:1:2::1") == sign_in_group("2001:db8:1:ffff::9")
    assert sign_in_group("2001:db8:1:2::1") == "2001:db8:1::/48"
    assert sign_in_group("2001:db8:2::1") != sign_in_group("2001:db8:1::1")
    assert sign_in_group("203.0.113.9") == "203.0.113.9"


def test_a_mail_link_leaves_a_decided_comment_alone(console):
    (id,) = console.add_comments(1)
    token = action_links.make(console.running.settings.comments.signer(), id, "approve")
    console.store.set_status([id], "rejected")
    with console.client() as client:
        answer = client.post(f"/moderate/mail/{token}", data={"token": token})
    assert answer.status_code == 409 and "rejected already" in answer.text
    assert console.store.get(id).status == "rejected"


def test_an_admin_changes_their_own_password_only_where_it_is_asked_for(console):
    with console.client() as client:
        sign_in(client)
        data = {"csrf": csrf_of(client), "do": "password", "email": ADMIN,
                "password": "a new password for me"}  # fmt: skip
        answer = client.post("/moderate/moderators", data=data)
        assert "error=" in answer.headers["location"]
    with console.client() as again:
        assert sign_in(again).status_code == 303  # the old password still works


def test_odd_input_is_answered_not_crashed_on(console):
    with console.client() as client:
        sign_in(client)
        assert client.get("/moderate/comments/%C2%B2").status_code == 404
        assert client.get("/moderate/", params={"page": "²", "q": "a\x00b"}).status_code == 200
        fields = "&".join(f"f{n}=1" for n in range(600))
        many = client.post("/moderate/login", content=fields, headers=FORM)
        assert many.status_code == 403  # no token among them: refused, not a 500
