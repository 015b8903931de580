"""Moderators' accounts, sign-in with back-off, and sessions, on both stores; time is
passed in, never waited for."""

from datetime import timedelta

import pytest

from newsroom.comments import sessions
from newsroom.comments.accounts import (
    AccountError,
    account_email,
    hash_password,
    password_problem,
    verify_password,
)
from newsroom.comments.store.clock import now

PASSWORD = "correct horse battery staple"
T0 = now().replace(microsecond=0)
HOME, ELSEWHERE = "198.51.100.7", "203.0.113.9"


@pytest.fixture
def moderator(store):
    return store.add_moderator("editor@news.example", "Editor", "admin", hash_password(PASSWORD))


def test_passwords_are_argon2id_and_checked():
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + "!")
    assert not verify_password("not a hash", PASSWORD)
    assert not verify_password(hashed, "x" * 10_000)  # long input: refused before hashing
    assert password_problem("short") and password_problem(" " * 20)
    assert password_problem("x" * 257) and password_problem(PASSWORD) is None
    with pytest.raises(AccountError):
        hash_password("too short")
    assert account_email("  Editor@News.Example ") == "editor@news.example"
    for bad in ("", "no-at-sign", "a@b", "a b@c.example"):
        with pytest.raises(AccountError):
            account_email(bad)


def test_one_account_per_address(store, moderator):
    with pytest.raises(AccountError, match="has an account already"):
        store.add_moderator("editor@news.example", "Again", "moderator", moderator.password_hash)
    assert [m.email for m in store.moderators()] == ["editor@news.example"]
    assert "password_hash" not in repr(moderator)


def test_sign_in_opens_a_session_known_by_its_hash_only(store, moderator):
    opened = sessions.sign_in(store, "Editor@News.Example", PASSWORD, HOME, T0)
    assert opened.moderator.id == moderator.id
    assert opened.session.id == sessions.session_id(opened.cookie) != opened.cookie
    assert store.session(opened.cookie) is None  # the cookie's value is not what is kept
    session, who = sessions.current(store, opened.cookie, T0 + timedelta(minutes=5))
    assert who.email == "editor@news.example" and session.csrf == opened.session.csrf
    again = sessions.sign_in(store, "editor@news.example", PASSWORD, HOME, T0)
    assert again.cookie != opened.cookie and again.session.csrf != opened.session.csrf


def test_wrong_and_unknown_get_the_same_answer(store, moderator):
    for email in ("editor@news.example", "nobody@news.example"):
        with pytest.raises(sessions.SignInRefused) as refused:
            sessions.sign_in(store, email, "wrong password, long enough", HOME, T0)
        assert str(refused.value) == sessions.WRONG


def test_five_failures_hold_that_address_back_and_not_another(store, moderator):
    for _ in range(sessions.FAILURES_ALLOWED):
        with pytest.raises(sessions.SignInRefused):
            sessions.sign_in(store, moderator.email, "a wrong guess at it", HOME, T0)
    with pytest.raises(sessions.SignInRefused, match="Too many failed sign-ins"):
        sessions.sign_in(store, moderator.email, PASSWORD, HOME, T0 + timedelta(minutes=14))
    assert sessions.sign_in(store, moderator.email, PASSWORD, ELSEWHERE, T0)  # from elsewhere
    later = T0 + sessions.BACKOFF + timedelta(seconds=1)
    assert sessions.sign_in(store, moderator.email, PASSWORD, HOME, later)  # it ends
    assert store.failures(moderator.email, HOME) is None  # and a success forgets them


def test_failures_spread_out_do_not_add_up(store, moderator):
    for k in range(sessions.FAILURES_ALLOWED + 2):
        at = T0 + k * (sessions.BACKOFF + timedelta(seconds=1))
        with pytest.raises(sessions.SignInRefused, match="do not match"):
            sessions.sign_in(store, moderator.email, "a wrong guess at it", HOME, at)


def test_one_address_guessing_at_many_accounts_is_held_back(store, moderator):
    for k in range(sessions.FAILURES_PER_ADDRESS):
        with pytest.raises(sessions.SignInRefused):
            sessions.sign_in(store, f"guess{k}@news.example", "a wrong guess", HOME, T0)
    with pytest.raises(sessions.SignInRefused, match="Too many"):
        sessions.sign_in(store, moderator.email, PASSWORD, HOME, T0)
    assert sessions.sign_in(store, moderator.email, PASSWORD, ELSEWHERE, T0)


def test_sessions_end_when_idle_too_long_or_too_old(store, moderator):
    opened = sessions.sign_in(store, moderator.email, PASSWORD, HOME, T0)
    idle = T0 + sessions.IDLE + timedelta(seconds=1)
    assert sessions.current(store, opened.cookie, idle) is None
    assert sessions.current(store, opened.cookie, T0) is None  # ended means deleted

    kept = sessions.sign_in(store, moderator.email, PASSWORD, HOME, T0)
    moment = T0
    while moment + sessions.IDLE / 2 < T0 + sessions.LIFETIME:  # busy all day long
        moment += sessions.IDLE / 2
        assert sessions.current(store, kept.cookie, moment) is not None
    assert sessions.current(store, kept.cookie, T0 + sessions.LIFETIME) is None


def test_sign_out_removal_and_a_new_password_end_sessions(store, moderator):
    first = sessions.sign_in(store, moderator.email, PASSWORD, HOME, T0)
    store.close_session(first.session.id)
    assert sessions.current(store, first.cookie, T0) is None
    second = sessions.sign_in(store, moderator.email, PASSWORD, HOME, T0)
    store.set_password_hash(moderator.email, hash_password("a brand new password"))
    assert sessions.current(store, second.cookie, T0) is None
    third = sessions.sign_in(store, moderator.email, "a brand new password", HOME, T0)
    assert store.remove_moderator(moderator.email)
    assert sessions.current(store, third.cookie, T0) is None
    assert not store.remove_moderator(moderator.email)


def test_csrf_tokens_match_their_session_only(store, moderator):
    one = sessions.sign_in(store, moderator.email, PASSWORD, HOME, T0)
    two = sessions.sign_in(store, moderator.email, PASSWORD, ELSEWHERE, T0)
    assert sessions.csrf_matches(one.session, one.session.csrf)
    assert not sessions.csrf_matches(one.session, two.session.csrf)
    assert not sessions.csrf_matches(one.session, "")
    assert not sessions.csrf_matches(one.session, "é" * 43)


def test_purge_forgets_ended_sessions_and_old_failures(store, moderator):
    sessions.sign_in(store, moderator.email, PASSWORD, HOME, T0)
    with pytest.raises(sessions.SignInRefused):
        sessions.sign_in(store, moderator.email, "a wrong guess at it", ELSEWHERE, T0)
    later = T0 + sessions.LIFETIME + timedelta(minutes=1)
    assert store.purge_accounts(later, sessions.IDLE, sessions.BACKOFF) == 3  # 1 + 2 rows
