"""A WordPress export's posts and pages as Markdown articles in ``content/``.

Each published post becomes ``content/SLUG.md`` and each page ``content/pages/SLUG.md``,
with Pelican metadata: title, date and modified date (GMT), the author's display name,
the first category (the others join the tags), the tags, the WordPress slug, a summary
from the excerpt, ``WordPress-Id`` and ``WordPress-Link`` (the old permalink, for the
redirects). A text that ends with a "Corrections & Amplifications" block or a "Source :"
line, as the seeds do, gets ``Correction:`` and ``Source:`` metadata instead of those
paragraphs. Drafts, scheduled, pending, private and trashed posts are skipped and counted.

Each post's comments go into the store under its slug (comment_import.py): approved,
pending (``0``), spam and trashed (rejected); pingbacks, trackbacks and other kinds are
skipped and counted. A page's comments are kept under ``pages/SLUG`` (pages show no
comments). Into a store that has never given a comment id, WordPress's ids are kept as
ours, so that old ``#comment-123`` anchors still land.

The files are written to a staging folder first and moved into place once the store's
transactions have committed, so an interrupted run leaves no half-imported site: the
next run moves what the last one staged. An article whose file exists already with the
same ``WordPress-Id`` is left as it is (a second run adds only what is new, comments
included); one whose slug is another's gets a suffix.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

import nh3

from newsroom.articles.seeds import split_notes
from newsroom.comments.model import Status
from newsroom.comments.store import Store
from newsroom.comments.store.clock import now
from newsroom.comments.store.imports import keepable
from newsroom.importing import exports, wxr
from newsroom.importing.comment_import import CommentImport, ForeignComment, Tally
from newsroom.importing.content import PAGES, STAGING, articles_in, slug_of_link, thread_of
from newsroom.importing.converting import Converted, Converters, Needs

SOURCE = "wordpress"  # the store's name for what this import brought
KINDS = {"post": "", "page": PAGES}  # post type -> folder under content/
SKIPPED = {
    "draft": "draft",
    "pending": "pending review",
    "private": "private",
    "future": "scheduled",
    "trash": "trashed",
    "auto-draft": "draft",
}
STATUSES: dict[str, Status] = {
    "1": "approved",
    "0": "pending",
    "spam": "spam",
    "trash": "rejected",
    "post-trashed": "rejected",  # trashed with its post
}
COMMENT_TYPES = {"", "comment"}  # not pingbacks, trackbacks, or plugins' notes
MARKUP = re.compile(r"[*_#>`\\]")
TITLE_TAGS = {"em", "strong", "i", "b", "code", "sub", "sup", "span"}
LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")


@dataclass
class Report:
    articles: int = 0
    pages: int = 0
    kept: int = 0  # imported by an earlier run
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> how many
    renamed: list[str] = field(default_factory=list)  # slugs another article had
    page_comments: int = 0  # kept in the store, shown on no page
    old_links: int = 0  # imported articles with an old permalink to redirect
    comments: Tally = field(default_factory=Tally)

    def lines(self) -> list[str]:
        said = [
            f"Articles: {self.articles} imported, {self.kept} imported before",
            f"Pages: {self.pages} imported",
        ]
        said += [f"Skipped: {n} {reason}" for reason, n in sorted(self.skipped.items())]
        said += [f"Renamed (slug taken): {slug}" for slug in self.renamed]
        said.append(
            f"Old links: {self.old_links} new; the build redirects every imported "
            "article's (output/_redirects, a page at each, .newsroom/redirects.nginx)"
        )
        said += self.comments.lines()
        if self.page_comments:
            said.append(f"Comments on pages: {self.page_comments} kept (pages show no comments)")
        return said

    def as_json(self) -> dict[str, object]:
        return {
            "articles": self.articles,
            "pages": self.pages,
            "imported_before": self.kept,
            "skipped": dict(sorted(self.skipped.items())),
            "renamed": self.renamed,
            "old_links": self.old_links,
            "page_comments": self.page_comments,
            **self.comments.as_json(),
        }


def import_wordpress(
    export: str,
    content: str,
    store: Store | None,
    personal_before: datetime,
    dry_run: bool = False,
) -> Report:
    """The export's posts and pages into ``content``, their comments into ``store``
    (nothing written when ``dry_run``; a dry run without a store counts every comment as
    new). ``personal_before``: the IP addresses `purge` erases are older than this."""
    root = Path(content)
    staging = root / STAGING
    attachments, highest, items = _first_pass(export)  # a broken export stops here
    if not dry_run:
        _move_staged(staging, root)  # what an interrupted run staged
    # A dry run without a store: the store the real run makes is new, and keeps them.
    kept_to = store.keep_ids_to(SOURCE, highest, dry_run) if store else keepable(highest)
    channel = wxr.Channel()
    known = {a.wordpress_id: a.thread for a in articles_in(root) if a.wordpress_id}
    report = Report()
    taken: set[str] = set()

    with (
        Converters(attachments, 0 if dry_run else items) as converters,
        CommentImport(store, SOURCE, personal_before, kept_to, dry_run) as comments,
    ):
        needs = partial(_needs, articles=known, imported=comments.known, dry_run=dry_run)
        for item, converted in converters.each(wxr.read(export, channel), needs):
            thread = known.get(item.id)
            if thread is not None:
                report.kept += item.post_type in KINDS
            elif item.post_type in KINDS and item.status == "publish":
                thread = _import_article(item, converted, channel, root, taken, report, dry_run)
            elif item.post_type in KINDS:
                reason = SKIPPED.get(item.status, item.status or "no status")
                report.skipped[f"{reason} {item.post_type}s"] += 1
            _import_comments(item, converted, thread, comments, report)
        report.comments = comments.finish()
    if not dry_run:
        _move_staged(staging, root)  # after the store's transactions
    return report


def _needs(
    item: wxr.WpItem, articles: dict[int, str], imported: dict[str, int], dry_run: bool
) -> Needs:
    """What a real run converts: a new article's text, and the comments not imported yet
    of an article it has (a dry run converts nothing)."""
    new = item.id not in articles and item.post_type in KINDS and item.status == "publish"
    unseen = any(str(c.id) not in imported for c in item.comments)
    return Needs(
        post=new and not dry_run,
        comments=(new or item.id in articles) and unseen and not dry_run,
    )


def _import_article(
    item: wxr.WpItem,
    converted: Converted,
    channel: wxr.Channel,
    root: Path,
    taken: set[str],
    report: Report,
    dry_run: bool,
) -> str:
    """One published post or page staged as an article; its comments' thread."""
    folder = KINDS[item.post_type]
    slug = _free_slug(item, root / folder, taken, report)
    text = "" if dry_run else article_text(item, converted, channel, slug)
    if item.post_type == "page":
        report.pages += 1
    else:
        report.articles += 1
    report.old_links += bool(item.link)
    if not dry_run:
        target = root / STAGING / folder / f"{slug}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
    return thread_of(folder, slug)


def _import_comments(
    item: wxr.WpItem,
    converted: Converted,
    thread: str | None,
    comments: CommentImport,
    report: Report,
) -> None:
    """An item's comments, under its article's thread; counted when they have none."""
    for comment in item.comments:
        if comment.type not in COMMENT_TYPES:
            comments.tally.skipped[f"{comment.type}s"] += 1
        elif not comment.id:
            comments.tally.skipped["comments without an id"] += 1
        elif thread is None:
            comments.tally.skipped[f"comments on {item.post_type}s not imported"] += 1
        else:
            added = comments.add(
                ForeignComment(
                    id=str(comment.id),
                    parent=str(comment.parent) if comment.parent else None,
                    thread=thread,
                    author=comment.author,
                    email=comment.email,
                    url=comment.url,
                    ip=comment.ip,
                    created=comment.date_gmt or item.date_gmt or now(),
                    html=comment.content,
                    status=STATUSES.get(comment.approved, "pending"),
                    texts=converted.comments.get(comment.id),
                )
            )
            report.page_comments += added and thread.startswith(f"{KINDS['page']}/")


def article_text(item: wxr.WpItem, converted: Converted, channel: wxr.Channel, slug: str) -> str:
    """The Markdown file of one post or page: Pelican metadata, a blank line, the text."""
    lines = converted.text.splitlines()
    kept, corrections, source = split_notes([_plain(line) for line in lines])
    meta = [f"Title: {title_html(item.title) or slug}"]
    if item.date_gmt:
        meta.append(f"Date: {item.date_gmt.isoformat()}")
    if item.modified_gmt and item.date_gmt and item.modified_gmt > item.date_gmt:
        meta.append(f"Modified: {item.modified_gmt.isoformat()}")
    author = channel.authors.get(item.creator, item.creator)
    if author:
        meta.append(f"Author: {_one_line(author)}")
    if item.post_type == "post" and item.categories:
        meta.append(f"Category: {_one_line(item.categories[0])}")
    tags = [*item.categories[1:], *item.tags] if item.post_type == "post" else []
    if tags:
        meta.append("Tags: " + ", ".join(_one_line(t).replace(",", " ") for t in tags))
    meta.append(f"Slug: {slug}")
    meta += [f"WordPress-Id: {item.id}", f"WordPress-Link: {_one_line(item.link)}"]
    summary = _one_line(converted.excerpt)
    if summary:
        meta.append(f"Summary: {summary}")
    meta += [f"Correction: {_one_line(text)}" for text in corrections]
    if source:
        meta.append(f"Source: {_one_line(source)}")
    return "\n".join(meta) + "\n\n" + _first_lines(lines, kept) + "\n"


def _first_lines(lines: list[str], count: int) -> str:
    """The text up to its ``count``-th line that is not blank (the notes after it go)."""
    kept: list[str] = []
    for line in lines:
        if line.strip():
            if count == 0:
                break
            count -= 1
        kept.append(line)
    return "\n".join(kept).strip()


def _free_slug(item: wxr.WpItem, folder: Path, taken: set[str], report: Report) -> str:
    """The WordPress slug, or one from the old link or the id; suffixed when another
    article has it (WordPress keeps slugs unique per post type and parent only)."""
    slug = item.slug or slug_of_link(item.link) or f"post-{item.id}"
    slug = re.sub(r"[^\w.-]+", "-", slug).strip("-.") or f"post-{item.id}"
    name, n = slug, 2
    while name in taken or (folder / f"{name}.md").exists():
        name, n = f"{slug}-{n}", n + 1
    if name != slug:
        report.renamed.append(slug)
    taken.add(name)
    return name


FIRST_PASS = frozenset(
    {"post_id", "post_type", "attachment_url", "comment_id", "item", "wxr_version"}
)


def _first_pass(export: str) -> tuple[dict[int, str], int, int]:
    """Attachment ids to their files' addresses (a gallery names them), the highest
    comment id (kept ids move the store's sequence past it first) and the number of
    items, in a quick first pass that finds a broken export before anything is written."""
    attachments: dict[int, str] = {}
    highest = items = 0
    item: dict[str, str] = {}
    version = False
    for namespace, name, value in exports.values(export, wxr.KIND, FIRST_PASS, "rss"):
        if name == "item" and not namespace:
            items += 1
            if item.get("post_type") == "attachment" and item.get("attachment_url"):
                attachments[wxr.number(item.get("post_id"))] = item["attachment_url"]
            item = {}
        elif wxr.WP.match("{" + namespace + "}"):
            version = version or name == "wxr_version"
            if name == "comment_id":
                highest = max(highest, wxr.number(value))
            else:
                item[name] = value
    if not version:
        raise wxr.ExportError(f"{export}: not {wxr.KIND} (no wp:wxr_version)")
    return attachments, highest, items


def _move_staged(staging: Path, root: Path) -> None:
    if not staging.is_dir():
        return
    for path in sorted(staging.rglob("*.md")):
        target = root / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    shutil.rmtree(staging)


def _plain(markdown: str) -> str:
    """A line as the seed rules read it: without Markdown's marks or entities, a link as
    its text and address (a source's name and URL)."""
    return html.unescape(MARKUP.sub("", LINK.sub(r"\1 \2", markdown)))


def title_html(title: str) -> str:
    """A WordPress title as Pelican's titles are, HTML: its inline markup kept, anything
    else (a script) taken out, on one line."""
    return _one_line(nh3.clean(title, tags=TITLE_TAGS, attributes={}))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
