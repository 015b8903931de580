"""Comments from an export into the store, as a new comment would be kept.

An export's comment HTML is not trusted: it is made our Markdown subset (so that its
links and emphasis survive our renderer, which escapes raw HTML), then rendered and
sanitised as a reader's comment is. Comments go in batches, one transaction each, with
the record of their export ids (store/imports.py): an interrupted import resumes, and a
second one adds only what is new. A batch is written while the next is made. A reply
waits for its parent; one whose parent is not in the export (a skipped pingback, spam
the exporter left out) becomes a top comment.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import urlsplit

from newsroom.comments import text
from newsroom.comments.model import CONTROLS_BUT_LINES, NewComment, Status, Verdict
from newsroom.comments.retention import SPAM_KEPT
from newsroom.comments.store import Store
from newsroom.comments.store.clock import now
from newsroom.comments.store.imports import Imported
from newsroom.importing.html_markdown import comment_markdown

BATCH = 2000  # comments a transaction (a few hundred milliseconds on SQLite)
ANONYMOUS = "Anonymous"
# A moderator published it; spam is spam; anything else waits for Akismet or a moderator.
VERDICT: dict[Status, Verdict] = {"approved": "ham", "spam": "spam"}


@dataclass(frozen=True)
class ForeignComment:
    """A comment as an export gives it: its ids are the export's, its text HTML."""

    id: str
    parent: str | None
    thread: str  # the article's slug, as our comments name it
    author: str
    email: str
    url: str
    ip: str
    created: datetime
    html: str  # not trusted
    status: Status
    texts: tuple[str, str] | None = None  # its Markdown and HTML, if converted already


@dataclass
class Tally:
    """What an import did with an export's comments: the report's part about them."""

    added: Counter[str] = field(default_factory=Counter)  # status -> imported
    before: int = 0  # imported by an earlier run
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> how many
    ids_kept: bool = False  # the export's ids are ours: old #comment- anchors still land
    renumbered: int = 0  # not kept as ours: their old anchors changed
    past_retention: int = 0  # with an IP address `purge` will erase
    spam_purged: int = 0  # spam older than `purge` keeps it

    def lines(self) -> list[str]:
        by_status = ", ".join(f"{n} {status}" for status, n in sorted(self.added.items()))
        said = [
            f"Comments: {sum(self.added.values())} imported"
            + (f" ({by_status})" if by_status else "")
            + f", {self.before} imported before"
        ]
        said += [f"Skipped: {n} {why}" for why, n in sorted(self.skipped.items())]
        if self.ids_kept and not self.renumbered:
            said.append("Comment ids: the export's kept, so old #comment- anchors still land")
        elif self.renumbered:
            said.append(
                f"Comment ids: {self.renumbered} comments have ids of ours, so their old "
                "#comment- anchors land on the article, not on the comment"
            )
        said.append(
            "Reminder: `newsroom comments purge` (a daily job) deletes spam older than 15 "
            f"days ({self.spam_purged} imported) and erases IP addresses older than the "
            f"retention period ({self.past_retention} imported comments have one)."
        )
        return said

    def as_json(self) -> dict[str, object]:
        return {
            "comments": dict(sorted(self.added.items())),
            "comments_imported_before": self.before,
            "comments_skipped": dict(sorted(self.skipped.items())),
            "comment_ids_kept": self.ids_kept and not self.renumbered,
            "comments_renumbered": self.renumbered,
            "purge": {"spam_deleted": self.spam_purged, "addresses_erased": self.past_retention},
        }


class CommentImport:
    """One export's comments into ``store``; with ``dry_run`` (or no store), only
    counted. ``personal_before``: IP addresses older than this are `purge`'s. A context
    manager: the batches are written by a thread of its own while the next is made (the
    database works with Python's lock released), and that thread ends with the block."""

    def __init__(
        self,
        store: Store | None,
        source: str,
        personal_before: datetime,
        kept_to: int = 0,
        dry_run: bool = False,
    ):
        self.store = None if dry_run else store
        self.source = source
        self.personal_before = personal_before
        self.spam_before = now() - SPAM_KEPT  # spam older than this is `purge`'s too
        # Written by the writing thread once a batch commits; read here for ids alone.
        self.known: dict[str, int] = store.imported(source) if store else {}
        self.kept_to = kept_to  # export ids up to this one are kept as ours
        self.tally = Tally(ids_kept=kept_to > 0)
        self._batch: list[Imported] = []
        self._waiting: list[Imported] = []  # replies whose parents have not come yet
        self._seen: set[str] = set()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
        self._writing: tuple[list[Imported], Future[list[Imported]]] | None = None

    def __enter__(self) -> CommentImport:
        return self

    def __exit__(self, *_: object) -> None:
        self._writer.shutdown(wait=True)

    def add(self, comment: ForeignComment) -> bool:
        """Whether the comment is new (imported, or counted in a dry run)."""
        if comment.id in self.known:
            self.tally.before += 1
            return False
        if comment.id in self._seen:
            self.tally.skipped["comments the export holds twice"] += 1
            return False
        self._seen.add(comment.id)
        self.tally.past_retention += bool(comment.ip) and comment.created < self.personal_before
        self.tally.spam_purged += comment.status == "spam" and comment.created < self.spam_before
        kept = comment.id.isascii() and comment.id.isdigit() and int(comment.id) <= self.kept_to
        if self.store is None:  # counted, not converted
            self.tally.added[comment.status] += 1
            self.tally.renumbered += not kept
            return True
        item = Imported(
            comment.id, comment.parent, _new_comment(comment), int(comment.id) if kept else None
        )
        self._batch.append(item)
        if len(self._batch) >= BATCH:
            self._flush()
        return True

    def finish(self) -> Tally:
        """What is left: replies to comments the export does not hold become top
        comments, and their own replies stay theirs."""
        self._flush()
        self._settle()
        for last in (False, True):  # the last round: replies in a cycle (a broken export)
            waiting = {c.foreign_id for c in self._waiting}
            self._batch = [
                c if c.parent in waiting and not last else replace(c, parent=None)
                for c in self._waiting
            ]
            self._waiting = []
            self._flush()
            self._settle()
        return self.tally

    def _flush(self) -> None:
        """The batch to the writing thread, once it has written the last one (whose
        replies still waiting for a parent join this batch)."""
        self._settle()
        batch = self._waiting + self._batch
        self._batch, self._waiting = [], []
        if batch and self.store is not None:
            written = self._writer.submit(self.store.add_imported, self.source, batch, self.known)
            self._writing = (batch, written)

    def _settle(self) -> None:
        """Wait for the batch being written (its error, if any, is raised here)."""
        if self._writing is None:
            return
        batch, written = self._writing
        self._writing = None
        self._waiting = written.result()
        left = {item.foreign_id for item in self._waiting}
        self._count([item for item in batch if item.foreign_id not in left])

    def _count(self, stored: list[Imported]) -> None:
        for item in stored:
            self.tally.added[item.comment.status] += 1
            self.tally.renumbered += item.own_id is None


def comment_texts(html: str) -> tuple[str, str]:
    """A comment's HTML as our Markdown, and that Markdown drawn as a new comment's is
    (control characters, which a new comment may not hold, made spaces: an export's HTML
    can spell them as character references, which the converter decodes)."""
    body = CONTROLS_BUT_LINES.sub(" ", comment_markdown(html))
    return body, text.render(body)


def _new_comment(comment: ForeignComment) -> NewComment:
    body, body_html = comment.texts or comment_texts(comment.html)
    return NewComment(
        thread=comment.thread,
        parent=None,  # found from the export's parent id when stored
        author=" ".join(comment.author.split()) or ANONYMOUS,
        email=comment.email.strip(),
        url=_web_address(comment.url.strip()),
        body=body,
        body_html=body_html,
        status=comment.status,
        akismet=VERDICT.get(comment.status, "unchecked"),
        ip=_address(comment.ip),
        user_agent=None,  # exports do not hold it
        referrer=None,
        created=comment.created,
    )


def _web_address(url: str) -> str:
    """An address a page may link to (as a reader's is checked), else none."""
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.hostname else ""


def _address(ip: str) -> str | None:
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return None
