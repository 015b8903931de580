"""A WordPress export (WXR 1.0 to 1.2) read as a stream of posts, each with its comments.

The export is parsed safely as a stream (exports.py). Each ``<item>`` is handed over
once read and then cleared, so memory stays flat however long the export. Element names
are matched by their local part under any ``http://wordpress.org/export/1.x/``
namespace, as exporting sites spell it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element

from newsroom.importing import exports
from newsroom.importing.exports import ExportError, local, text

WP = re.compile(r"\{https?://wordpress\.org/export/1\.[0-9]+/\}")
NAMESPACES = {
    "content": "{http://purl.org/rss/1.0/modules/content/}",
    "excerpt": "{http://wordpress.org/export/1.2/excerpt/}",
    "dc": "{http://purl.org/dc/elements/1.1/}",
}
KIND = "a WordPress export"  # what a refused file is not
DIGITS = re.compile(r"[0-9]{1,18}")  # ASCII digits, within our ids' range
NO_DATE = "0000-00-00 00:00:00"  # WordPress's date of a draft never published
__all__ = ["Channel", "ExportError", "WpComment", "WpItem", "read"]


@dataclass(frozen=True)
class WpComment:
    id: int
    parent: int  # 0: none
    author: str
    email: str
    url: str
    ip: str
    date_gmt: datetime | None
    content: str  # HTML, as WordPress kept it (not trusted)
    approved: str  # "1", "0", "spam", "trash", "post-trashed"
    type: str  # "", "comment", "pingback", "trackback"


@dataclass(frozen=True)
class WpItem:
    id: int
    title: str
    link: str  # the old permalink
    slug: str  # wp:post_name (empty for a draft never published)
    post_type: str  # "post", "page", "attachment", "nav_menu_item", ...
    status: str  # "publish", "draft", "pending", "private", "future", "trash", ...
    date_gmt: datetime | None
    modified_gmt: datetime | None
    creator: str  # the author's login (dc:creator)
    content: str  # HTML
    excerpt: str
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    comments: tuple[WpComment, ...] = field(default_factory=tuple)
    attachment_url: str = ""  # an attachment's file


@dataclass
class Channel:
    """What the export says of the site, filled as its header is read."""

    title: str = ""
    link: str = ""
    version: str = ""  # wp:wxr_version
    authors: dict[str, str] = field(default_factory=dict)  # login -> display name


def read(path: str, channel: Channel | None = None) -> Iterator[WpItem]:
    """The export's items in order (``channel`` gets the site's title, link and authors
    as they come). An ExportError names the file and line of what cannot be read."""
    channel = channel if channel is not None else Channel()
    yield from _items(path, exports.events(path, KIND), channel)


def _items(path: str, events: Iterator[tuple[str, Element]], channel: Channel) -> Iterator[WpItem]:
    seen_wxr = False
    depth = 0
    holder: Element | None = None  # <channel>: each item read is taken out of it
    for event, element in events:
        if event == "start":
            if depth == 0 and element.tag != "rss":
                root = local(element.tag)
                raise ExportError(f"{path}: not {KIND} (its root is <{root}>)")
            if depth == 1:
                holder = element
            depth += 1
            continue
        depth -= 1
        name = local(element.tag)
        if depth == 2 and element.tag == "item":
            if not seen_wxr:
                raise ExportError(f"{path}: not {KIND} (no wp:wxr_version)")
            yield _item(element)
            if holder is not None:
                holder.remove(element)  # memory stays flat
        elif depth == 2 and name == "wxr_version":
            seen_wxr, channel.version = True, text(element)
        elif depth == 2 and name == "author":
            login = _child(element, "author_login")
            channel.authors[login] = _child(element, "author_display_name") or login
        elif depth == 2 and element.tag in ("title", "link"):
            setattr(channel, element.tag, text(element))
    if not seen_wxr:
        raise ExportError(f"{path}: not {KIND} (no wp:wxr_version)")


def _item(element: Element) -> WpItem:
    categories: list[str] = []
    tags: list[str] = []
    comments: list[WpComment] = []
    values: dict[str, Any] = {}
    for child in element:
        name = local(child.tag)
        if child.tag == "category":
            domain = child.get("domain", "category")
            if domain in ("post_tag", "tag"):  # "tag" in WXR 1.0
                tags.append(text(child))
            elif domain == "category":
                categories.append(text(child))
        elif name == "comment" and WP.match(child.tag):
            comments.append(_comment(child))
        elif child.tag in (NAMESPACES["content"] + "encoded",):
            values["content"] = text(child)
        elif child.tag.endswith("}encoded") and "excerpt" in child.tag:
            values["excerpt"] = text(child)
        elif child.tag == NAMESPACES["dc"] + "creator":
            values["creator"] = text(child)
        elif child.tag in ("title", "link"):
            values[child.tag] = text(child)
        elif WP.match(child.tag):
            values[name] = text(child)
    return WpItem(
        id=number(values.get("post_id")),
        title=values.get("title", ""),
        link=values.get("link", ""),
        slug=values.get("post_name", ""),
        post_type=values.get("post_type", "post"),
        status=values.get("status", ""),
        date_gmt=_gmt(values.get("post_date_gmt", "")),
        modified_gmt=_gmt(values.get("post_modified_gmt", "")),
        creator=values.get("creator", ""),
        content=values.get("content", ""),
        excerpt=values.get("excerpt", ""),
        categories=tuple(categories),
        tags=tuple(tags),
        comments=tuple(comments),
        attachment_url=values.get("attachment_url", ""),
    )


def _comment(element: Element) -> WpComment:
    values = {local(child.tag): text(child) for child in element if WP.match(child.tag)}
    return WpComment(
        id=number(values.get("comment_id")),
        parent=number(values.get("comment_parent")),
        author=values.get("comment_author", ""),
        email=values.get("comment_author_email", ""),
        url=values.get("comment_author_url", ""),
        ip=values.get("comment_author_IP", ""),
        date_gmt=_gmt(values.get("comment_date_gmt", "")),
        content=values.get("comment_content", ""),
        approved=values.get("comment_approved", "0"),
        type=values.get("comment_type", ""),
    )


def _child(element: Element, name: str) -> str:
    for child in element:
        if local(child.tag) == name:
            return text(child)
    return ""


def number(value: str | None) -> int:
    """A WordPress id (0: none, or not an id)."""
    return int(value) if value and DIGITS.fullmatch(value.strip()) else 0


def _gmt(value: str) -> datetime | None:
    """WordPress's GMT date ("2024-03-05 14:22:00"), aware; None for its zero date."""
    if not value or value.startswith(NO_DATE[:4]):
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        return None
