"""A WordPress export's posts and pages as Markdown articles in ``content/``.

Each published post becomes ``content/SLUG.md`` and each page ``content/pages/SLUG.md``,
with Pelican metadata: title, date and modified date (GMT), the author's display name,
the first category (the others join the tags), the tags, the WordPress slug, a summary
from the excerpt, ``WordPress-Id`` and ``WordPress-Link`` (the old permalink, for the
redirects). A text that ends with a "Corrections & Amplifications" block or a "Source :"
line, as the seeds do, gets ``Correction:`` and ``Source:`` metadata instead of those
paragraphs. Drafts, scheduled, pending, private and trashed posts are skipped and counted.

The files are written to a staging folder first and moved into place at the end, so an
interrupted run leaves no half-imported site: the next run moves what the last one
staged. An article whose file exists already with the same ``WordPress-Id`` is left as it
is (a second run adds only what is new); one whose slug is another's gets a suffix.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from newsroom.articles.seeds import split_notes
from newsroom.importing import wxr
from newsroom.importing.html_markdown import post_markdown

STAGING = ".newsroom-import"  # in the content folder
KINDS = {"post": "", "page": "pages"}  # post type -> folder under content/
SKIPPED = {
    "draft": "draft",
    "pending": "pending review",
    "private": "private",
    "future": "scheduled",
    "trash": "trashed",
    "auto-draft": "draft",
}
ID_LINE = re.compile(r"^WordPress-Id:\s*(\d+)\s*$", re.M)
MARKUP = re.compile(r"[*_#>`\\]")
LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")


@dataclass
class Report:
    articles: int = 0
    pages: int = 0
    kept: int = 0  # imported by an earlier run
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> how many
    renamed: list[str] = field(default_factory=list)  # slugs another article had

    def lines(self) -> list[str]:
        said = [
            f"Articles: {self.articles} imported, {self.kept} imported before",
            f"Pages: {self.pages} imported",
        ]
        said += [f"Skipped: {n} {reason}" for reason, n in sorted(self.skipped.items())]
        said += [f"Renamed (slug taken): {slug}" for slug in self.renamed]
        return said


def import_articles(export: str, content: str, dry_run: bool = False) -> Report:
    """The export's posts and pages into ``content`` (nothing written when ``dry_run``)."""
    root = Path(content)
    staging = root / STAGING
    if not dry_run:
        _move_staged(staging, root)  # what an interrupted run staged
    attachments = _attachments(export)
    channel = wxr.Channel()
    known = _imported_ids(root)
    report = Report()
    taken: set[str] = set()
    for item in wxr.read(export, channel):
        if item.post_type not in KINDS:
            continue  # attachments, menus, revisions: not articles
        if item.status != "publish":
            reason = SKIPPED.get(item.status, item.status or "no status")
            report.skipped[f"{reason} {item.post_type}s"] += 1
            continue
        if item.id in known:
            report.kept += 1
            continue
        folder = KINDS[item.post_type]
        slug = _free_slug(item, root / folder, taken, report)
        text = article_text(item, channel, attachments, slug)
        if item.post_type == "page":
            report.pages += 1
        else:
            report.articles += 1
        if not dry_run:
            target = staging / folder / f"{slug}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, "utf-8")
    if not dry_run:
        _move_staged(staging, root)
    return report


def article_text(
    item: wxr.WpItem, channel: wxr.Channel, attachments: dict[int, str], slug: str
) -> str:
    """The Markdown file of one post or page: Pelican metadata, a blank line, the text."""
    lines = post_markdown(item.content, attachments).splitlines()
    kept, corrections, source = split_notes([_plain(line) for line in lines])
    meta = [f"Title: {_one_line(item.title) or slug}"]
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
    summary = _one_line(post_markdown(item.excerpt)) if item.excerpt else ""
    if summary:
        meta.append(f"Summary: {summary}")
    meta += [f"Correction: {_one_line(text)}" for text in corrections]
    if source:
        meta.append(f"Source: {_one_line(source)}")
    meta += [f"WordPress-Id: {item.id}", f"WordPress-Link: {item.link}"]
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
    slug = item.slug or _slug_from_link(item.link) or f"post-{item.id}"
    slug = re.sub(r"[^\w.-]+", "-", slug).strip("-.") or f"post-{item.id}"
    name, n = slug, 2
    while name in taken or (folder / f"{name}.md").exists():
        name, n = f"{slug}-{n}", n + 1
    if name != slug:
        report.renamed.append(slug)
    taken.add(name)
    return name


def _slug_from_link(link: str) -> str:
    path = link.split("?")[0].rstrip("/")
    return path.rsplit("/", 1)[-1] if "/" in path else ""


def _attachments(export: str) -> dict[int, str]:
    """Attachment ids to their files' addresses (a gallery names them), in a first pass."""
    return {
        item.id: item.attachment_url
        for item in wxr.read(export)
        if item.post_type == "attachment" and item.attachment_url
    }


def _imported_ids(root: Path) -> set[int]:
    """The WordPress ids of the articles a run imported before (their metadata)."""
    found: set[int] = set()
    for path in root.rglob("*.md"):
        if STAGING in path.parts:
            continue
        with open(path, encoding="utf-8", errors="replace") as file:
            head = file.read(4096)
        found.update(int(n) for n in ID_LINE.findall(head.split("\n\n", 1)[0]))
    return found


def _move_staged(staging: Path, root: Path) -> None:
    if not staging.is_dir():
        return
    for path in sorted(staging.rglob("*.md")):
        target = root / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    shutil.rmtree(staging)


def _plain(markdown: str) -> str:
    """A line as the seed rules read it: without Markdown's marks, a link as its text and
    address (a source's name and URL)."""
    return MARKUP.sub("", LINK.sub(r"\1 \2", markdown))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
