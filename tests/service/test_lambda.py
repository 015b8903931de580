"""The Lambda entry with AWS's own sample events, rewritten to our requests."""

import json
import os
import subprocess
import sys
from urllib.parse import urlencode

import pytest

import newsroom.lambda_handler
import newsroom.service.lambda_entry
from tests.support.lambda_events import COMMENT, ROOT, V2_EVENTS, sample, v1_event, v2_event
from tests.support.service import THREAD, write_manifest


@pytest.fixture
def handler(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSROOM_DATABASE_URL", f"sqlite:///{tmp_path}/c.sqlite3")
    monkeypatch.setenv("NEWSROOM_THREADS", str(write_manifest(tmp_path / "threads.json")))
    monkeypatch.setenv("NEWSROOM_RATE_LIMIT", "0")
    for name in ("PYTHON_AKISMET_API_KEY", "PYTHON_AKISMET_BLOG_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(newsroom.service.lambda_entry, "_handler", None)
    return newsroom.service.lambda_entry.handler


def stored(tmp_path):
    from newsroom.comments.store import open_store

    store = open_store(f"sqlite:///{tmp_path}/c.sqlite3")
    try:
        return store.export()
    finally:
        store.close()


@pytest.mark.parametrize("name", V2_EVENTS)
def test_payload_2_events_post_and_get(handler, tmp_path, name):
    json_header = {"content-type": "application/json"}
    answer = handler(v2_event(name, "POST", "/api/comments", body=COMMENT, headers=json_header), {})
    assert answer["statusCode"] == 202, answer
    assert json.loads(answer["body"])["status"] == "pending"
    (comment,) = stored(tmp_path)
    expected_ip = sample(name)["requestContext"]["http"]["sourceIp"].split("/")[0]
    assert comment["ip"] == expected_ip
    answer = handler(
        v2_event(name, "GET", "/api/comments", query=urlencode({"thread": THREAD})), {}
    )
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"thread": THREAD, "count": 0, "comments": []}


def test_rest_api_event(handler, tmp_path):
    headers = {"content-type": "application/json"}
    event = v1_event(
        "apiGatewayProxyEvent.json", "POST", "/api/comments", body=COMMENT, headers=headers
    )
    answer = handler(event, {})
    assert answer["statusCode"] == 202, answer
    assert stored(tmp_path)[0]["ip"] == "192.168.0.1"
    answer = handler(v1_event("apiGatewayProxyEvent.json", "GET", "/api/health"), {})
    assert answer["statusCode"] == 200


def test_alb_event_takes_the_address_the_balancer_added(handler, tmp_path):
    headers = {"content-type": "application/json", "x-forwarded-for": "6.6.6.6, 198.51.100.7"}
    event = v1_event("albEvent.json", "POST", "/api/comments", body=COMMENT, headers=headers)
    answer = handler(event, {})
    assert answer["statusCode"] == 202, answer
    assert stored(tmp_path)[0]["ip"] == "198.51.100.7"


def test_bad_input_through_lambda_is_a_4xx(handler):
    event = v2_event(
        "lambdaFunctionUrlEvent.json",
        "POST",
        "/api/comments",
        body={"thread": THREAD},
        headers={"content-type": "application/json"},
    )
    answer = handler(event, {})
    assert answer["statusCode"] == 422
    assert "author" in json.loads(answer["body"])["errors"]


COLD_GET = """
import json, sys
sys.path.insert(0, {root!r})
from newsroom.lambda_handler import handler
event = json.load(open({event!r}))
answer = handler(event, {{}})
loaded = {{m.split(".")[0] for m in sys.modules}}
heavy = sorted(loaded & {{"akismet", "httpx", "psycopg", "pelican"}})
print(json.dumps({{"status": answer["statusCode"], "heavy": heavy}}))
"""


def test_a_cold_get_imports_neither_akismet_httpx_nor_psycopg(tmp_path):
    event = v2_event("apiGatewayProxyV2Event_GET.json", "GET", "/api/comments", "thread=x")
    (tmp_path / "event.json").write_text(json.dumps(event))
    env = {
        **os.environ,
        "NEWSROOM_DATABASE_URL": f"sqlite:///{tmp_path}/c.sqlite3",
        "NEWSROOM_THREADS": str(write_manifest(tmp_path / "threads.json")),
        "PYTHON_AKISMET_API_KEY": "configured-but-unused",
        "PYTHON_AKISMET_BLOG_URL": "http://example.org/",
    }
    script = COLD_GET.format(root=str(ROOT), event=str(tmp_path / "event.json"))
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"status": 200, "heavy": []}


@pytest.fixture
def handler_with_akismet(handler, monkeypatch, fake_akismet):
    for name, value in fake_akismet.env().items():
        monkeypatch.setenv(name, value)
    return handler


def test_warm_invocations_reuse_one_akismet_client(handler_with_akismet, tmp_path, fake_akismet):
    handler = handler_with_akismet
    json_header = {"content-type": "application/json"}
    post = ("POST", "/api/comments")
    events = [
        v2_event("lambdaFunctionUrlEvent.json", *post, body=COMMENT, headers=json_header),
        v2_event(
            "apiGatewayProxyV2Event.json", *post, body=COMMENT | {"body": "2"}, headers=json_header
        ),
        v1_event(
            "apiGatewayProxyEvent.json", *post, body=COMMENT | {"body": "3"}, headers=json_header
        ),
    ]
    gateways = []
    for event in events:
        answer = handler(event, {})
        assert answer["statusCode"] == 202, answer
        gateways.append(newsroom.service.lambda_entry._handler.app.state.service.gateway())
    assert gateways[0] is gateways[1] is gateways[2]
    assert [c["akismet"] for c in stored(tmp_path)] == ["ham", "ham", "ham"]
    assert len(fake_akismet.calls("verify-key")) == 1  # one client, verified once
    sent = fake_akismet.calls("comment-check")
    assert [c["user_ip"] for c in sent] == ["123.123.123.123", "192.168.0.1", "192.168.0.1"]
    # The permalink is made absolute with the address the request came to.
    assert sent[0]["permalink"] == f"https://comments.example/articles/{THREAD}/"


def test_form_post_through_lambda_redirects_to_the_article(handler):
    body = urlencode(COMMENT | {"nickname": "", "parent": ""}).encode()
    form = {"content-type": "application/x-www-form-urlencoded"}
    event = v2_event(
        "lambdaFunctionUrlEvent.json", "POST", "/api/comments", body=body, headers=form
    )
    answer = handler(event, {})
    assert answer["statusCode"] == 303, answer
    location = answer["headers"]["location"]
    assert location == f"/articles/{THREAD}/#comment-pending"  # relative, as the manifest


def test_alb_form_error_is_an_html_page(handler):
    body = urlencode(COMMENT | {"email": "nope", "body": "<b>kept</b>"}).encode()
    form = {"content-type": "application/x-www-form-urlencoded"}
    answer = handler(
        v1_event("albEvent.json", "POST", "/api/comments", body=body, headers=form), {}
    )
    assert answer["statusCode"] == 422
    assert answer["headers"]["content-type"].startswith("text/html")
    assert "&lt;b&gt;kept&lt;/b&gt;" in answer["body"]


def test_counts_and_openapi_through_lambda(handler):
    query = urlencode([("thread", THREAD), ("thread", "other")])
    answer = handler(
        v2_event("apiGatewayProxyV2Event_GET.json", "GET", "/api/comments/counts", query), {}
    )
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {THREAD: 0, "other": 0}
    answer = handler(v1_event("apiGatewayProxyEvent.json", "GET", "/api/openapi.json"), {})
    assert json.loads(answer["body"])["paths"]["/api/comments"]["post"]


def test_schedules_run_the_jobs_and_other_events_are_answered(handler, tmp_path, caplog):
    import logging
    from datetime import timedelta

    from newsroom.comments.store import open_store
    from newsroom.comments.store.clock import now
    from tests.support.comments import new

    store = open_store(f"sqlite:///{tmp_path}/c.sqlite3")
    store.migrate()
    old_spam = store.add(new(status="spam", akismet="spam", created=now() - timedelta(days=20)))
    answer = handler({"job": "purge"}, None)
    assert answer["jobs"]["purge"].startswith("Deleted 1 spam comments")
    assert store.get(old_spam) is None
    scheduled = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    results = handler(scheduled, None)["jobs"]
    assert results["purge"].startswith("not due") and results["recheck"] == "nothing to recheck"
    with caplog.at_level(logging.ERROR):
        assert handler({"job": "nope"}, None) == {"error": "unknown job"}
        assert handler({"something": "else"}, None) == {"error": "unknown event"}
        assert handler(42, None) == handler(["a"], None) == {"error": "unknown event"}
    assert "unknown kind" in caplog.text and "unknown job" in caplog.text
    store.close()
