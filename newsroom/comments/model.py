"""A comment: the fields a reader posts (declared once, with their limits), the records
the store keeps, and the statuses a comment moves through.

The declaration drives validation (service/intake.py), the OpenAPI schemas, both forms
(templates/comment_form.html) and, through the records below, the store's columns and
the public JSON. A new public field is an entry in ``POSTED``, an attribute of the
records, a migration, and its place in comment_html.py and comments.js.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any, Literal, NamedTuple, get_args

Status = Literal["pending", "approved", "spam", "rejected"]
Verdict = Literal["ham", "spam", "unchecked"]
STATUSES: tuple[Status, ...] = get_args(Status)
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
TOLD: tuple[Status, ...] = ("pending", "approved")  # what a poster is told: no more
MAX_ID = 2**63 - 1  # ids are BIGINT on PostgreSQL, 64-bit on SQLite

# What a posted field may not hold: Unicode's category Cc (C0, DEL and C1; a search in C,
# not a loop over 5,000 characters), and in a multiline field all of it but tabs and line
# breaks. An import's text is held to the same (importing/comment_import.py).
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROLS_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# How each field shows in a form: an <input type>, a textarea, hidden, or the honeypot.
Input = Literal["hidden", "text", "email", "url", "textarea", "checkbox", "honeypot"]


@dataclass(frozen=True)
class Field:
    """A field a reader posts: text, or a box (``checkbox``: a yes or no)."""

    name: str
    limit: int  # characters, after surrounding white space is taken off
    input: Input
    required: bool = False
    stored: bool = True  # the honeypot is read, never kept
    label: str = ""
    hint: str = ""  # shown beside the label, in brackets
    autocomplete: str = ""
    placeholder: str = ""
    multiline: bool = False  # keeps tabs and line breaks

    @property
    def shown(self) -> bool:
        return self.input != "hidden"


POSTED: tuple[Field, ...] = (
    Field("thread", 200, "hidden", required=True),
    Field("author", 100, "text", required=True, label="Name", autocomplete="name"),
    Field(
        "email", 254, "email", required=True, label="Email", hint="never published",
        autocomplete="email",
    ),
    Field(
        "url", 200, "url", label="Website", hint="optional", autocomplete="url",
        placeholder="https://",
    ),
    Field("body", 5000, "textarea", required=True, label="Comment", multiline=True),
    Field(
        "notify", 5, "checkbox",
        label="E-mail me when my comment is published and when someone replies",
    ),
    Field("nickname", 200, "honeypot", stored=False, label="Leave this field empty"),
)  # fmt: skip
FIELDS: dict[str, Field] = {field.name: field for field in POSTED}
KEPT: tuple[str, ...] = (*(field.name for field in POSTED if field.stored), "parent")
LIMITS: dict[str, int] = {field.name: field.limit for field in POSTED}


@dataclass(frozen=True)
class Submission:
    """What a reader posted, checked against ``POSTED``; ``parent`` is a comment's id."""

    thread: str
    author: str
    email: str
    url: str
    body: str
    parent: int | None
    nickname: str  # the honeypot: people leave it empty
    notify: bool = False  # mail me (reader_mail.py): published, and replies

    def stored_fields(self) -> dict[str, Any]:
        """The posted fields a NewComment keeps, by name."""
        return {name: getattr(self, name) for name in KEPT}


@dataclass(frozen=True)
class NewComment:
    thread: str
    parent: int | None
    author: str
    email: str
    url: str
    body: str  # as written
    body_html: str  # rendered once, sanitised
    status: Status
    akismet: Verdict
    ip: str | None
    user_agent: str | None
    referrer: str | None
    created: datetime  # UTC
    # What the rate limit counts: the address, an IPv6 /64, or "unknown". Personal data,
    # erased with the address.
    ip_group: str | None = None
    # The address's keyed hash, once the address itself is erased (refused comments).
    email_hash: str | None = None
    # Names the author's proof (a signed token the poster keeps): under moderation
    # "known", a later post with the same proof is published once one with it was approved.
    author_key: str | None = None
    # When Akismet asked to be asked again (X-akismet-recheck-after); None: at once.
    recheck_at: datetime | None = None
    # The moderator's mail for an unchecked comment waits for its recheck, until then.
    mail_after: datetime | None = None
    # Written by the newsroom from the console: published at once, shown as the newsroom's.
    staff: bool = False
    # Its author asked for mail: when it is published, and when someone replies.
    notify: bool = False


@dataclass(frozen=True)
class Comment(NewComment):
    id: int = 0
    updated: datetime | None = None
    feedback: str | None = None  # the last submit-spam/ham and how it went

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-ready: for moderators and exports, never for the public."""
        data = {"id": self.id, **asdict(self)}  # the id first: what a reader looks for
        data["created"] = self.created.isoformat()
        data["updated"] = self.updated.isoformat() if self.updated else None
        return data


class PublishedComment(NamedTuple):
    """What a page shows of an approved comment: light, for builds that read 100,000."""

    id: int
    thread: str
    parent: int | None
    author: str
    url: str
    body: str
    body_html: str
    created: datetime
    staff: bool  # the newsroom's own reply

    def public(self) -> dict[str, Any]:
        """The comment as the API shows it: never the e-mail, address or user agent."""
        return _public_json(self)


# Columns, in the records' order: what the store selects and inserts.
COMMENT_COLUMNS: tuple[str, ...] = tuple(field.name for field in fields(Comment))
NEW_COLUMNS: tuple[str, ...] = tuple(field.name for field in fields(NewComment))
PUBLISHED_COLUMNS: tuple[str, ...] = PublishedComment._fields
# The API gives the rendered text, and a thread's comments come under its slug.
PUBLIC_JSON: tuple[str, ...] = tuple(
    name for name in PUBLISHED_COLUMNS if name not in ("thread", "body")
)


def _public_json_function() -> Callable[[PublishedComment], dict[str, Any]]:
    """``public`` written out from PUBLIC_JSON as one dict display, as namedtuple writes
    its methods: a GET of a long thread makes one per comment, and this is as fast as a
    hand-written literal. The names are our own identifiers, never input."""
    items = ", ".join(
        f"{name!r}: c.created.isoformat(timespec='seconds')"
        if name == "created"
        else f"{name!r}: c.{name}"
        for name in PUBLIC_JSON
    )
    function: Callable[[PublishedComment], dict[str, Any]] = eval(f"lambda c: {{{items}}}")
    return function


_public_json = _public_json_function()


def thread_json(thread: str, comments: list[PublishedComment]) -> bytes:
    """A thread's published comments as ``GET /api/comments`` answers and a publish
    writes beside the page: the same bytes (Starlette's JSONResponse's encoding)."""
    import json

    public = [comment.public() for comment in comments]
    data = {"thread": thread, "count": len(public), "comments": public}
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
