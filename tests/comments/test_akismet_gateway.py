"""The Akismet gateway with the real akismet library, over HTTP, against the fake Akismet."""

import asyncio
import logging
import time
from datetime import UTC, datetime

import pytest

from newsroom.comments.akismet_gateway import GatewayError, gateway_from_settings
from newsroom.comments.config import Settings
from newsroom.comments.manifest import Thread
from newsroom.comments.model import Comment, NewComment
from tests.support.akismet import API_KEY, BLOG_URL
from tests.support.service import free_port

THREAD = Thread(
    slug="budget",
    title="Budget",
    url="articles/budget/",
    permalink="/articles/budget/",
    published=datetime(2024, 1, 1, tzinfo=UTC),
    modified=datetime(2024, 1, 2, 8, 30, tzinfo=UTC),
    lang="fr",
)
COMMENT = NewComment(
    thread="budget",
    parent=None,
    author="Ann",
    email="ann@example.org",
    url="https://ann.example/",
    body="Hello",
    body_html="<p>Hello</p>",
    status="pending",
    akismet="unchecked",
    ip="203.0.113.9",
    user_agent="Reader/1.0",
    referrer="https://news.example/",
    created=datetime(2024, 1, 3, 12, 0, tzinfo=UTC),
)


def gateway_for(fake, **env):
    settings = Settings.from_env({**fake.env(), **env})
    return gateway_from_settings(settings)


def run(gateway, *calls):
    """Run coroutine factories on one loop, as the service does; then close the gateway."""

    async def go():
        try:
            return [await call() for call in calls]
        finally:
            await gateway.aclose()

    return asyncio.run(go())


def test_verdicts(fake_akismet):
    gateway = gateway_for(fake_akismet)
    fake_akismet.answer_next("ham", "spam", "discard")
    check = lambda: gateway.check(COMMENT, THREAD)  # noqa: E731
    assert run(gateway, check, check, check) == ["ham", "spam", "discard"]
    assert len(fake_akismet.calls("verify-key")) == 1  # the key is verified once
    assert len(fake_akismet.calls("comment-check")) == 3


def test_every_documented_parameter(fake_akismet):
    gateway = gateway_for(fake_akismet, NEWSROOM_AKISMET_IS_TEST="1")
    reply = Comment(**{**COMMENT.__dict__, "parent": 4}, id=9)
    run(
        gateway,
        lambda: gateway.check(reply, THREAD, base_url="https://news.example/"),
        lambda: gateway.check(COMMENT, THREAD, recheck_reason="retry"),
    )
    first, second = fake_akismet.calls("comment-check")
    assert first == {
        "api_key": API_KEY,
        "blog": BLOG_URL,
        "user_ip": "203.0.113.9",
        "user_agent": "Reader/1.0",
        "referrer": "https://news.example/",
        "permalink": "https://news.example/articles/budget/",
        "comment_type": "reply",
        "comment_author": "Ann",
        "comment_author_email": "ann@example.org",
        "comment_author_url": "https://ann.example/",
        "comment_content": "Hello",
        "comment_date_gmt": "2024-01-03T12:00:00+00:00",
        "comment_post_modified_gmt": "2024-01-02T08:30:00+00:00",
        "blog_lang": "fr",
        "blog_charset": "UTF-8",
        "honeypot_field_name": "nickname",
        "is_test": "true",
        "_user_agent": first["_user_agent"],
    }
    assert first["_user_agent"].startswith("akismet.py/")
    assert second["comment_type"] == "comment"
    assert second["recheck_reason"] == "retry"
    assert second["permalink"] == "http://127.0.0.1:8000/articles/budget/"  # the blog URL


def test_submissions(fake_akismet):
    gateway = gateway_for(fake_akismet)
    stored = Comment(**COMMENT.__dict__, id=3)
    run(
        gateway,
        lambda: gateway.submit_spam(stored, THREAD),
        lambda: gateway.submit_ham(stored, None),
    )
    (spam,) = fake_akismet.calls("submit-spam")
    (ham,) = fake_akismet.calls("submit-ham")
    assert (spam["comment_content"], spam["user_ip"], spam["permalink"]) == (
        "Hello",
        "203.0.113.9",
        "http://127.0.0.1:8000/articles/budget/",
    )
    assert "permalink" not in ham  # no thread known


@pytest.mark.parametrize(
    ("verdict", "message"),
    [
        ("invalid", "API key or blog URL is invalid"),
        ("error", "HTTP 500"),
        ("odd", "unexpected answer"),
    ],
)
@pytest.mark.parametrize("operation", ["check", "submit_spam", "submit_ham"])
@pytest.mark.parametrize("where", ["operation", "verify-key"])
def test_faults_are_gateway_errors_naming_the_cause(
    fake_akismet, verdict, message, operation, where
):
    gateway = gateway_for(fake_akismet)
    if where == "operation":
        fake_akismet.answer_next(verdict)  # verify-key passes; the operation itself fails
    else:
        fake_akismet.answer_with(verdict)
    with pytest.raises(GatewayError) as raised:
        run(gateway, lambda: getattr(gateway, operation)(Comment(**COMMENT.__dict__, id=1), THREAD))
    assert message in str(raised.value)
    assert API_KEY not in str(raised.value)
    assert len(fake_akismet.calls("verify-key")) == 1
    expected = 1 if where == "operation" else 0
    assert len(
        fake_akismet.calls(operation.replace("_", "-").replace("check", "comment-check"))
    ) == (expected)


def test_a_key_refused_after_verification_is_a_gateway_error(fake_akismet):
    gateway = gateway_for(fake_akismet)
    fake_akismet.answer_next("ham", "invalid")  # verify-key passes, the check says invalid
    check = lambda: gateway.check(COMMENT, THREAD)  # noqa: E731
    with pytest.raises(GatewayError, match="invalid"):
        run(gateway, check, check)


def test_timeout(fake_akismet):
    gateway = gateway_for(fake_akismet, PYTHON_AKISMET_TIMEOUT="0.2")
    fake_akismet.answer_with("ham", delay_ms=600)
    started = time.monotonic()
    with pytest.raises(GatewayError, match="timed out"):
        run(gateway, lambda: gateway.check(COMMENT, THREAD))
    assert time.monotonic() - started < 0.6


def test_refused_connection(fake_akismet):
    gateway = gateway_for(fake_akismet, NEWSROOM_AKISMET_URL=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(GatewayError, match="ConnectError") as raised:
        run(gateway, lambda: gateway.check(COMMENT, THREAD))
    assert API_KEY not in str(raised.value)


def test_an_invalid_key_is_said_once_and_not_asked_about_every_comment(fake_akismet, caplog):
    settings = Settings.from_env({**fake_akismet.env(), "PYTHON_AKISMET_API_KEY": "wrong"})
    gateway = gateway_from_settings(settings)
    check = lambda: gateway.check(COMMENT, THREAD)  # noqa: E731

    async def three_checks():
        errors = []
        for _ in range(3):
            with pytest.raises(GatewayError) as raised:
                await check()
            errors.append(str(raised.value))
        await gateway.aclose()
        return errors

    with caplog.at_level(logging.ERROR, logger="newsroom.comments.akismet_gateway"):
        errors = asyncio.run(three_checks())
    assert all("invalid" in error and "wrong" not in error for error in errors)
    assert len(fake_akismet.calls("verify-key")) == 1
    assert fake_akismet.calls("comment-check") == []
    said = [r for r in caplog.records if "invalid" in r.getMessage()]
    assert len(said) == 1
    assert "wrong" not in caplog.text


def test_checks_run_concurrently_not_in_a_queue(fake_akismet):
    gateway = gateway_for(fake_akismet)
    run(gateway, lambda: gateway.check(COMMENT, THREAD))  # verifies the key
    gateway = gateway_for(fake_akismet)
    fake_akismet.answer_with("ham", delay_ms=300)

    async def twenty_at_once():
        try:
            await gateway._verify_key()
            started = time.monotonic()
            verdicts = await asyncio.gather(*(gateway.check(COMMENT, THREAD) for _ in range(20)))
            return verdicts, time.monotonic() - started
        finally:
            await gateway.aclose()

    verdicts, elapsed = asyncio.run(twenty_at_once())
    assert verdicts == ["ham"] * 20
    assert elapsed < 1.5, f"20 checks of 300 ms took {elapsed:.2f} s: they queued"


def test_no_gateway_without_a_key_or_a_blog_url(fake_akismet):
    assert gateway_from_settings(Settings.from_env({})) is None
    env = fake_akismet.env()
    del env["PYTHON_AKISMET_BLOG_URL"]
    with pytest.raises(ValueError, match="PYTHON_AKISMET_BLOG_URL"):
        Settings.from_env(env)


def test_the_key_is_never_in_the_settings_repr(fake_akismet):
    assert API_KEY not in repr(Settings.from_env(fake_akismet.env()))


def test_a_burst_of_first_posts_verifies_the_key_once(fake_akismet):
    gateway = gateway_for(fake_akismet)
    fake_akismet.answer_with("ham", delay_ms=100)

    async def burst():
        try:
            return await asyncio.gather(*(gateway.check(COMMENT, THREAD) for _ in range(20)))
        finally:
            await gateway.aclose()

    assert asyncio.run(burst()) == ["ham"] * 20
    assert len(fake_akismet.calls("verify-key")) == 1
    assert len(fake_akismet.calls("comment-check")) == 20


def test_a_verification_that_failed_is_tried_again(fake_akismet):
    gateway = gateway_for(fake_akismet)
    fake_akismet.answer_with("error")  # verify-key itself answers 500

    async def twice():
        try:
            with pytest.raises(GatewayError, match="HTTP 500"):
                await gateway.check(COMMENT, THREAD)
            fake_akismet.answer_with("ham")
            return await gateway.check(COMMENT, THREAD)
        finally:
            await gateway.aclose()

    assert asyncio.run(twice()) == "ham"
    assert len(fake_akismet.calls("verify-key")) == 2
    assert len(fake_akismet.calls("comment-check")) == 1


def test_concurrent_checks_reuse_their_connections_and_a_timed_out_one_is_dropped(
    fake_akismet,
):
    gateway = gateway_for(fake_akismet, PYTHON_AKISMET_TIMEOUT="0.5")
    transport = gateway._http._connections
    fake_akismet.answer_with("ham", delay_ms=100)

    def idle() -> set:
        return {id(c) for pool in transport._idle.values() for c in pool}

    async def load():
        try:
            await gateway._verify_key()
            first = await asyncio.gather(*(gateway.check(COMMENT, THREAD) for _ in range(40)))
            after_first = idle()
            second = await asyncio.gather(*(gateway.check(COMMENT, THREAD) for _ in range(40)))
            after_second = idle()
            fake_akismet.answer_with("ham", delay_ms=2000)  # past the timeout
            with pytest.raises(GatewayError, match="timed out"):
                await gateway.check(COMMENT, THREAD)
            return first + second, after_first, after_second, idle()
        finally:
            await gateway.aclose()

    verdicts, after_first, after_second, after_timeout = asyncio.run(load())
    assert verdicts == ["ham"] * 80
    assert len(after_first) == 40  # one connection per check in flight, all kept
    assert after_second == after_first  # the second burst opened none
    assert len(after_timeout) == 39  # the one that timed out is closed, not reused
