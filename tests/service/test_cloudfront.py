"""Behind CloudFront: only requests carrying its secret header are answered, and the
client is CloudFront-Viewer-Address, for the rate limit and for Akismet."""

import json
import logging

import pytest

import newsroom.service.lambda_entry
from newsroom.comments.config import ConfigError
from newsroom.service.app import create_app
from newsroom.service.cloudfront import viewer_address
from newsroom.service.settings import ServiceSettings
from tests.support.keys import TEST_SECRET_KEY
from tests.support.lambda_events import COMMENT, v2_event
from tests.support.service import THREAD, write_manifest

SECRET = "cloudfront-origin-secret-0123456789abcdef"
JSON = {"content-type": "application/json"}


def through_cloudfront(viewer="203.0.113.9:46532", secret=SECRET) -> dict:
    headers = {"x-newsroom-cloudfront": secret} if secret is not None else {}
    return headers | ({"cloudfront-viewer-address": viewer} if viewer is not None else {})


@pytest.fixture
def behind_cloudfront(service_runner, fake_akismet):
    env = {**fake_akismet.env(), "NEWSROOM_CLOUDFRONT_SECRET": SECRET, "NEWSROOM_RATE_LIMIT": "1"}
    return service_runner.start(env)


def test_the_viewer_is_the_client_for_akismet_the_store_and_the_rate_limit(
    behind_cloudfront, fake_akismet
):
    with behind_cloudfront.client() as client:
        first = client.post("/api/comments", json=COMMENT, headers=through_cloudfront())
        again = client.post(
            "/api/comments", json=COMMENT | {"body": "2"}, headers=through_cloudfront()
        )
        other = client.post(
            "/api/comments",
            json=COMMENT | {"body": "3"},
            headers=through_cloudfront("2001:db8::7:443"),
        )
    assert first.status_code == 202, first.text
    assert again.status_code == 429  # one a minute from 203.0.113.9 (the edge is 127.0.0.1)
    assert other.status_code == 202
    stored = behind_cloudfront.store.export()
    assert sorted(c["ip"] for c in stored) == ["2001:db8::7", "203.0.113.9"]
    sent = fake_akismet.calls("comment-check")
    assert sorted(c["user_ip"] for c in sent) == ["2001:db8::7", "203.0.113.9"]
    assert all(SECRET not in json.dumps(c) for c in sent)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        through_cloudfront(secret=None),  # the viewer header alone is anyone's to write
        through_cloudfront(secret="wrong-" + SECRET[6:]),
        through_cloudfront(secret=SECRET[:-1]),
    ],
)
def test_a_request_that_went_round_cloudfront_is_refused(behind_cloudfront, headers):
    with behind_cloudfront.client() as client:
        for answer in (
            client.post("/api/comments", json=COMMENT, headers=headers),
            client.get("/api/comments", params={"thread": THREAD}, headers=headers),
            client.get("/api/health", headers=headers),
        ):
            assert answer.status_code == 403
            assert "through the site's address" in answer.json()["errors"]["request"]
            assert SECRET not in answer.text
    assert behind_cloudfront.store.export() == []


def test_a_cloudfront_that_does_not_name_the_viewer_is_a_502(behind_cloudfront, caplog):
    with caplog.at_level(logging.ERROR), behind_cloudfront.client() as client:
        answer = client.post("/api/comments", json=COMMENT, headers=through_cloudfront(None))
    assert answer.status_code == 502
    assert "CloudFront-Viewer-Address" in caplog.text
    assert behind_cloudfront.store.export() == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"198.51.100.7:46532", ("198.51.100.7", 46532)),
        (b"2001:db8::1:443", ("2001:db8::1", 443)),
        (b"[2001:db8::1]:443", ("2001:db8::1", 443)),
        (b"198.51.100.7", None),  # no port: the address would lose its last part
        (b"evil:80", None),
        (b"", None),
    ],
)
def test_viewer_address(value, expected):
    assert viewer_address([value]) == expected
    assert viewer_address([value, value]) is None  # two: neither is believed


def test_the_secret_is_checked_and_never_shown():
    environ = {"NEWSROOM_SECRET_KEY": TEST_SECRET_KEY, "NEWSROOM_CLOUDFRONT_SECRET": "short-one"}
    with pytest.raises(ConfigError, match="NEWSROOM_CLOUDFRONT_SECRET must have at least 32") as e:
        ServiceSettings.from_env(environ)
    assert "short-one" not in str(e.value)
    settings = ServiceSettings.from_env(environ | {"NEWSROOM_CLOUDFRONT_SECRET": SECRET})
    assert settings.cloudfront_secrets == (SECRET,) and SECRET not in repr(settings)
    app = create_app(settings)
    assert SECRET not in repr(app.user_middleware)


def test_while_the_secret_changes_both_values_are_taken(service_runner, fake_akismet):
    following = "the-next-cloudfront-secret-9876543210"
    running = service_runner.start(
        fake_akismet.env() | {"NEWSROOM_CLOUDFRONT_SECRET": f"{SECRET} {following}"}
    )
    with running.client() as client:
        for secret, status in ((SECRET, 200), (following, 200), (following[:-1], 403)):
            answer = client.get("/api/health", headers=through_cloudfront(secret=secret))
            assert answer.status_code == status


def test_behind_cloudfront_no_proxy_header_is_believed(service_runner, fake_akismet):
    env = fake_akismet.env() | {
        "NEWSROOM_CLOUDFRONT_SECRET": SECRET,
        "NEWSROOM_TRUSTED_PROXIES": "0.0.0.0/0 ::/0",  # even when told to trust everyone
    }
    running = service_runner.start(env)
    headers = through_cloudfront() | {"x-forwarded-for": "6.6.6.6"}
    with running.client() as client:
        assert client.post("/api/comments", json=COMMENT, headers=headers).status_code == 202
    assert [c["ip"] for c in running.store.export()] == ["203.0.113.9"]


def test_a_websocket_is_closed_not_passed_on():
    import asyncio

    from newsroom.service.cloudfront import OnlyThroughCloudFront, Secrets

    reached, sent = [], []

    async def app(scope, receive, send):
        reached.append(scope)

    async def send(message):
        sent.append(message)

    guard = OnlyThroughCloudFront(app, Secrets((SECRET,)))
    asyncio.run(guard({"type": "websocket", "headers": []}, None, send))
    assert reached == [] and sent == [{"type": "websocket.close", "code": 1008}]


def test_through_lambda_the_viewer_replaces_the_source_ip(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSROOM_DATABASE_URL", f"sqlite:///{tmp_path}/c.sqlite3")
    monkeypatch.setenv("NEWSROOM_THREADS", str(write_manifest(tmp_path / "threads.json")))
    monkeypatch.setenv("NEWSROOM_CLOUDFRONT_SECRET", SECRET)
    monkeypatch.setattr(newsroom.service.lambda_entry, "_handler", None)
    handler = newsroom.service.lambda_entry.handler
    post = ("apiGatewayProxyV2Event.json", "POST", "/api/comments")
    answer = handler(v2_event(*post, body=COMMENT, headers=JSON | through_cloudfront()), {})
    assert answer["statusCode"] == 202, answer
    refused = handler(v2_event(*post, body=COMMENT, headers=JSON), {})
    assert refused["statusCode"] == 403
    assert handler({"job": []}, None) == handler({"job": None}, None) == {"error": "unknown job"}
    from newsroom.comments.store import open_store

    store = open_store(f"sqlite:///{tmp_path}/c.sqlite3")
    try:
        assert [c["ip"] for c in store.export()] == ["203.0.113.9"]  # not the sample's sourceIp
    finally:
        store.close()
