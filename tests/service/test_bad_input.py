"""Every kind of bad input gets a 4xx naming the problem, never a 5xx, never a partial comment."""

import json

import pytest

from newsroom.service.intake import MAX_REQUEST_BYTES
from tests.support.service import THREAD

GOOD = {"thread": THREAD, "author": "Ann", "email": "ann@example.org", "body": "Hi"}


def send(service, body: bytes, content_type="application/json"):
    with service.client() as client:
        return client.post("/api/comments", content=body, headers={"Content-Type": content_type})


def as_json(**changes) -> bytes:
    data = {**GOOD, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not ...}).encode()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"{not json", 400, "request"),
        (b"[1, 2]", 400, "request"),
        (b'{"thread": "\xff\xfe"}', 400, "request"),
        (as_json(thread=...), 422, "thread"),
        (as_json(thread="no-such-article"), 422, "thread"),
        (as_json(author=""), 422, "author"),
        (as_json(author="x" * 101), 422, "author"),
        (as_json(author=12), 422, "author"),
        (as_json(author="tab\tname"), 422, "author"),
        (as_json(email="nope"), 422, "email"),
        (as_json(email="a@b"), 422, "email"),
        (as_json(email="x" * 250 + "@example.org"), 422, "email"),
        (as_json(url="javascript:alert(1)"), 422, "url"),
        (as_json(url="ftp://example.org/"), 422, "url"),
        (as_json(url="https://" + "x" * 200), 422, "url"),
        (as_json(body=""), 422, "body"),
        (as_json(body="   \n "), 422, "body"),
        (as_json(body="x" * 5001), 422, "body"),
        (as_json(parent=-1), 422, "parent"),
        (as_json(parent=0), 422, "parent"),
        (as_json(parent=2**63), 422, "parent"),
        (as_json(parent=10**40), 422, "parent"),
        (as_json(parent="abc"), 422, "parent"),
        (as_json(parent=1.5), 422, "parent"),
        (as_json(parent=True), 422, "parent"),
        (as_json(parent=999_999), 422, "parent"),
        (as_json(admin=True), 422, "admin"),
        (as_json(body="nul\x00byte"), 422, "body"),
        (as_json(body="escape \x1b[31m"), 422, "body"),
        (as_json(author="Ann\x00"), 422, "author"),
        (b'{"thread": "t", "author": "\\ud800", "email": "a@b.org", "body": "x"}', 400, "request"),
        (b'{"\\udfff": 1}', 400, "request"),
        (b'{"thread": {"nested": 1}}', 422, "thread"),
        (b"", 400, "request"),
        (b"null", 400, "request"),
        (b'"just a string"', 400, "request"),
        (b"\xef\xbb\xbf{}", 400, "request"),
        # Deep nesting: json would recurse until RecursionError (a 500 before).
        (b"[" * 30_000, 400, "request"),
        (b'{"thread": ' + b"[" * 15_000 + b"]" * 15_000 + b"}", 400, "request"),
        (b'{"a":' * 5_000 + b"1" + b"}" * 5_000, 400, "request"),
        (b'{"thread": 1' + b"0" * 5_000 + b"}", 400, "request"),  # past int's digit limit
    ],
)
def test_refused_with_a_message_naming_the_field(service, body, status, field):
    answer = send(service, body)
    assert answer.status_code == status, answer.text
    assert field in answer.json()["errors"]
    assert answer.json()["errors"][field]
    assert service.store.export() == []


def test_wrong_content_type(service):
    answer = send(service, b"thread=x", content_type="text/plain")
    assert answer.status_code == 415
    assert "application/json" in answer.json()["errors"]["request"]


def test_oversized_body(service):
    answer = send(service, as_json(body="x" * (MAX_REQUEST_BYTES + 1)))
    assert answer.status_code == 413
    assert service.store.export() == []


def test_oversized_body_without_a_length_header(service):
    def chunks():
        yield b'{"body": "'
        for _ in range(40):
            yield b"x" * 1024
        yield b'"}'

    with service.client() as client:
        answer = client.post(
            "/api/comments", content=chunks(), headers={"Content-Type": "application/json"}
        )
    assert answer.status_code == 413


def test_repeated_form_field(service):
    answer = send(
        service,
        b"thread=" + THREAD.encode() + b"&author=a&author=b&email=a@b.org&body=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 422
    assert "author" in answer.text


@pytest.mark.parametrize(
    "query", ["", "?thread=", "?thread=" + "x" * 201], ids=["missing", "empty", "long"]
)
def test_listing_needs_a_thread(service, query):
    with service.client() as client:
        answer = client.get("/api/comments" + query)
    assert answer.status_code == 400
    assert "thread" in answer.json()["errors"]


def test_too_many_threads_to_count(service):
    with service.client() as client:
        answer = client.get("/api/comments/counts", params=[("thread", str(i)) for i in range(101)])
    assert answer.status_code == 400


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"no parts at all", "multipart/form-data; boundary=xyz"),
        (b"--xyz\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--xyz--\r\n",
         "multipart/form-data; boundary=xyz"),
        (b"--xyz--\r\n", "multipart/form-data"),  # no boundary given
        (b"--xyz\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n\xff\xfe\r\n--xyz--\r\n",
         "multipart/form-data; boundary=xyz"),
    ],
)  # fmt: skip
def test_unreadable_multipart_is_a_400_page(service, body, content_type):
    answer = send(service, body, content_type=content_type)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert 'id="comment-form"' in answer.text
    assert service.store.export() == []


def test_a_long_content_type_is_refused_before_any_parsing(service):
    """The MIME parser takes seconds over a long Content-Type: refused by its length."""
    long_type = "multipart/form-data; boundary=xx" + "; a=b" * 20_000
    answer = send(service, b"--xx--", content_type=long_type)
    assert answer.status_code == 400
    assert "The Content-Type header is too long." in answer.text  # a form's page


def test_multipart_with_a_quoted_boundary(service):
    body = b'--a b\r\nContent-Disposition: form-data; name="thread"\r\n\r\nnope\r\n--a b--\r\n'
    answer = send(service, body, content_type='multipart/form-data; boundary="a b"')
    assert answer.status_code == 422  # read: "thread" is there, the others are missing
    assert 'value="nope"' in answer.text and "This field is required." in answer.text
