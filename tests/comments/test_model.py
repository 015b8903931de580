"""The field declaration and the records agree: one place says what a comment holds."""

from dataclasses import fields

from newsroom.comments.model import (
    COMMENT_COLUMNS,
    LIMITS,
    POSTED,
    PUBLIC_JSON,
    NewComment,
    PublishedComment,
    Submission,
)


def test_every_posted_field_reaches_the_submission_and_what_is_stored():
    submitted = {field.name for field in fields(Submission)}
    stored = {field.name for field in fields(NewComment)}
    for field in POSTED:
        assert field.name in submitted
        assert (field.name in stored) == field.stored, field.name


def test_what_the_public_sees_is_published_and_never_personal():
    assert set(PUBLIC_JSON) <= set(PublishedComment._fields)
    assert set(PublishedComment._fields) <= set(COMMENT_COLUMNS)
    assert not {"email", "ip", "user_agent", "referrer"} & set(PUBLIC_JSON)


def test_limits_and_labels():
    assert LIMITS == {
        "thread": 200,
        "author": 100,
        "email": 254,
        "url": 200,
        "body": 5000,
        "notify": 5,
        "nickname": 200,
    }
    assert all(field.label for field in POSTED if field.shown)
