"""A comment as the service hands it to the store, for tests to vary."""

from dataclasses import replace

from newsroom.comments.model import NewComment
from newsroom.comments.store.clock import now


def new(**changes) -> NewComment:
    comment = NewComment(
        thread="t",
        parent=None,
        author="Ann",
        email="ann@example.org",
        url="",
        body="Hello",
        body_html="<p>Hello</p>",
        status="pending",
        akismet="ham",
        ip="203.0.113.9",
        ip_group="203.0.113.9",
        user_agent="Browser/1",
        referrer="http://site/a",
        created=now(),
    )
    return replace(comment, **changes)
