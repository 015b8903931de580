"""What the comment store keeps."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Literal, NamedTuple

Status = Literal["pending", "approved", "spam", "rejected"]
Verdict = Literal["ham", "spam", "unchecked"]
STATUSES: tuple[str, ...] = ("pending", "approved", "spam", "rejected")
VERDICTS: tuple[str, ...] = ("ham", "spam", "unchecked")


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


@dataclass(frozen=True)
class Comment(NewComment):
    id: int = 0
    updated: datetime | None = None
    feedback: str | None = None  # the last submit-spam/ham and how it went

    def to_dict(self) -> dict:
        """Every field, JSON-ready: for moderators and exports, never for the public."""
        data = {"id": self.id, **asdict(self)}  # the id first: what a reader looks for
        data["created"] = self.created.isoformat()
        data["updated"] = self.updated.isoformat() if self.updated else None
        return data
