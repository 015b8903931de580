"""A Disqus export's comments onto the articles they were about.

Disqus exports its threads first, then every post, each naming its thread and parent by
``dsq:id``. A thread is matched to an article in ``content/`` by its link (the old
WordPress permalink an import kept, ignoring scheme, ``www.`` and a trailing slash),
then by the WordPress id in its identifier (Disqus's WordPress plugin writes
``"123 https://site/?p=123"``), then by slug (the link's last segment). Threads that
match nothing are reported with their posts' count; posts of deleted threads are
skipped. A spam post is spam, a deleted one rejected (kept for moderators, shown
nowhere), any other approved. Disqus's ids never become ours: its anchors were its own.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import Element

from newsroom.comments.model import Status
from newsroom.comments.store import Store
from newsroom.comments.store.clock import now
from newsroom.importing import exports
from newsroom.importing.comment_import import CommentImport, ForeignComment, Tally
from newsroom.importing.content import Article, articles_in, link_key, slug_of_link
from newsroom.importing.exports import ExportError, local, text

SOURCE = "disqus"
DISQUS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
WORDPRESS_IDENTIFIER = re.compile(r"^([0-9]+) ")


@dataclass(frozen=True)
class Thread:
    link: str
    title: str
    identifier: str
    deleted: bool
    thread: str | None = None  # the article's, once matched

    @property
    def name(self) -> str:
        """How the report names it."""
        return self.link or self.identifier or self.title


@dataclass
class Report:
    threads: int = 0
    matched: Counter[str] = field(default_factory=Counter)  # how -> threads
    unmatched: Counter[str] = field(default_factory=Counter)  # link -> posts
    comments: Tally = field(default_factory=Tally)

    def lines(self) -> list[str]:
        how = ", ".join(f"{n} by {way}" for way, n in sorted(self.matched.items()))
        said = [f"Threads: {self.threads}, {sum(self.matched.values())} matched ({how or 'none'})"]
        said += [
            f"Unmatched thread: {link} ({posts} comments not imported)"
            for link, posts in sorted(self.unmatched.items())
        ]
        return said + self.comments.lines()

    def as_json(self) -> dict[str, object]:
        return {
            "threads": self.threads,
            "matched": dict(sorted(self.matched.items())),
            "unmatched": [
                {"link": link, "comments": n} for link, n in sorted(self.unmatched.items())
            ],
            **self.comments.as_json(),
        }


def import_disqus(
    export: str,
    content: str,
    store: Store | None,
    personal_before: datetime,
    dry_run: bool = False,
) -> Report:
    """The export's posts into ``store``, onto the articles in ``content`` (nothing
    written when ``dry_run``)."""
    report = Report()
    threads = _threads(export, _Matcher(articles_in(Path(content))), report)
    with CommentImport(store, SOURCE, personal_before, dry_run=dry_run) as comments:
        for name, element in _elements(export):
            if name == "post":
                _import_post(element, threads, comments, report)
        report.comments = comments.finish()
    return report


def _threads(export: str, match: _Matcher, report: Report) -> dict[str, Thread]:
    """The export's threads by ``dsq:id``, each with its article's thread when one
    matches, in a first pass: a broken export stops here, before anything is written."""
    threads: dict[str, Thread] = {}
    for name, element in _elements(export):
        if name == "thread":
            report.threads += 1
            threads[element.get(DSQ_ID, "")] = match.matched(_thread(element), report)
    return threads


def _import_post(
    element: Element, threads: dict[str, Thread], comments: CommentImport, report: Report
) -> None:
    found = threads.get(_ref(element, "thread"))
    if not element.get(DSQ_ID):
        comments.tally.skipped["comments without an id"] += 1
        return
    if found is None:
        comments.tally.skipped["comments on threads the export does not hold"] += 1
        return
    if found.deleted:
        comments.tally.skipped["comments on deleted threads"] += 1
        return
    if found.thread is None:
        comments.tally.skipped["comments on threads matching no article"] += 1
        report.unmatched[found.name] += 1
        return
    author = element.find(f"{DISQUS}author")
    comments.add(
        ForeignComment(
            id=element.get(DSQ_ID, ""),
            parent=_ref(element, "parent") or None,
            thread=found.thread,
            author=text(_child(author, "name")),
            email=text(_child(author, "email")),
            url="",  # Disqus exports no website
            ip=text(element.find(f"{DISQUS}ipAddress")),
            created=_date(text(element.find(f"{DISQUS}createdAt"))) or now(),
            html=text(element.find(f"{DISQUS}message")),
            status=_status(element),
        )
    )


class _Matcher:
    """Threads to articles: by old link, by WordPress id, then by slug."""

    def __init__(self, articles: list[Article]):
        self.by_link = {link_key(a.old_link): a.thread for a in articles if a.old_link}
        self.by_id = {a.wordpress_id: a.thread for a in articles if a.wordpress_id}
        self.by_slug = {a.slug: a.thread for a in articles}

    def matched(self, found: Thread, report: Report) -> Thread:
        """The thread with its article's, when one matches (counted in ``report``)."""
        if found.deleted:
            return found
        number = WORDPRESS_IDENTIFIER.match(found.identifier)
        for way, thread in (
            ("link", self.by_link.get(link_key(found.link))),
            ("WordPress id", self.by_id.get(int(number.group(1))) if number else None),
            ("slug", self.by_slug.get(slug_of_link(found.link))),
        ):
            if thread is not None:
                report.matched[way] += 1
                return replace(found, thread=thread)
        report.unmatched[found.name] += 0  # listed even without comments
        return found


def _elements(export: str):
    """The export's threads and posts, each once read (then let go: memory stays flat)."""
    depth = 0
    root: Element | None = None
    for event, element in exports.events(export, "a Disqus export"):
        if event == "start":
            if depth == 0:
                if element.tag != f"{DISQUS}disqus":
                    name = local(element.tag)
                    raise ExportError(f"{export}: not a Disqus export (its root is <{name}>)")
                root = element
            depth += 1
            continue
        depth -= 1
        if depth == 1 and root is not None:
            yield local(element.tag), element
            root.remove(element)


def _thread(element: Element) -> Thread:
    return Thread(
        link=text(element.find(f"{DISQUS}link")),
        title=text(element.find(f"{DISQUS}title")),
        identifier=text(element.find(f"{DISQUS}id")),
        deleted=_flag(element, "isDeleted"),
    )


def _status(element: Element) -> Status:
    if _flag(element, "isSpam"):
        return "spam"
    return "rejected" if _flag(element, "isDeleted") else "approved"


def _flag(element: Element, name: str) -> bool:
    return text(element.find(f"{DISQUS}{name}")).lower() == "true"


def _ref(element: Element, name: str) -> str:
    """The ``dsq:id`` a post's ``<thread>`` or ``<parent>`` names."""
    found = element.find(f"{DISQUS}{name}")
    return found.get(DSQ_ID, "") if found is not None else ""


def _child(element: Element | None, name: str) -> Element | None:
    return element.find(f"{DISQUS}{name}") if element is not None else None


def _date(value: str) -> datetime | None:
    """Disqus's ``2011-03-07T20:46:25Z`` (sometimes without the ``Z``: UTC too)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
