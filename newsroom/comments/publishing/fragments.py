"""Every part of a page that shows an article's comments, drawn by one function each.

The build draws them into its pages (site/comments.py, through ``comment_region`` in the
theme), and a publish draws them again for a thread's new comments: the same function on
the same inputs gives the same bytes, which is what makes a publish equal a full build.
What a part needs of the article and the site is in ``Article`` and ``Site``: the build
records both (record.py), so that a publish renders with the build's settings. Named
tuples, not dataclasses: a moderation command imports this, and making a dataclass took
2 ms each on the project's machine.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any, NamedTuple
from urllib.parse import urljoin

from newsroom.comments.publishing.comment_list import render as comment_list
from newsroom.comments.publishing.comment_list import reply_base
from newsroom.comments.tree import CommentNode, flatten

FEED = "comments.atom.xml"  # an article's comment feed, beside its page
JSON = "comments.json"  # its comments as the API gives them, beside its page
JSON_LD_OPEN = '<script type="application/ld+json">\n'
JSON_LD_CLOSE = "\n</script>"


class Site(NamedTuple):
    """The build's settings that the comment parts are drawn with."""

    siteurl: str  # SITEURL
    feed_domain: str  # FEED_DOMAIN, or SITEURL
    name: str  # SITENAME, as written (it may hold HTML)
    lang: str  # DEFAULT_LANG
    api: str  # NEWSROOM_COMMENTS_API: the reply links' form
    depth: int  # NEWSROOM_COMMENTS_DEPTH
    newest: datetime  # the newest article's date: the site feed's, while it has no comment
    json: bool = True  # NEWSROOM_PUBLISHED_JSON: each article's comments.json beside its page


class Article(NamedTuple):
    """What the comment parts show of an article."""

    slug: str
    title: str  # HTML, as Pelican has it
    url: str  # from the site's root, e.g. "articles/slug/"
    save_as: str  # its page, e.g. "articles/slug/index.html"
    lang: str
    date_format: str  # strftime's, for the comments' dates

    def beside(self, name: str) -> str:
        """A file beside the article's page (its feed, its JSON)."""
        return posixpath.join(posixpath.dirname(self.save_as), name)


class Thread(NamedTuple):
    """An article's published comments, as trees."""

    nodes: list[CommentNode]
    total: int  # how many (a tuple has a count method)


Draw = Callable[[Site, Article, Thread], str]


def absolute(siteurl: str, path: str) -> str:
    return urljoin(siteurl.rstrip("/") + "/", path) if siteurl else "/" + path.lstrip("/")


def plain_text(html: str) -> str:
    """HTML as the text it shows: tags dropped, entities decoded."""
    from markupsafe import Markup

    return Markup(html).striptags()


def counted(n: int) -> str:
    return f"{n} comment{'s' if n != 1 else ''}"


def head_link(site: Site, article: Article, thread: Thread) -> str:
    """The <head>'s link to the article's comment feed, once there is one."""
    if not thread.total:
        return ""
    title = escape(plain_text(article.title))
    href = f"{site.siteurl}/{article.beside(FEED)}"
    return f'<link rel="alternate" type="application/atom+xml" title="Comments on {title}" href="{href}">\n'  # noqa: E501


def thread_section(site: Site, article: Article, thread: Thread) -> str:
    """The comment section's heading, list and feed link."""
    quoted = f"“{article.title}”"
    heading = (
        f"{counted(thread.total)} on {quoted}"
        if thread.total
        else f"Be the first to comment on {quoted}"
    )
    listed = comment_list(thread.nodes, article.date_format, reply_base(site.api, article.slug))
    parts = [f'<h2 id="comments-title">{heading}</h2>\n  <ol class="comment-list">{listed}</ol>\n']
    if thread.total:
        href = f"{site.siteurl}/{article.beside(FEED)}"
        follow = f'<a href="{href}">Follow these comments (Atom feed)</a>'
        parts.append(f'  <p class="comment-feed">{follow}</p>\n')
    return "".join(parts)


def teaser_count(site: Site, article: Article, thread: Thread) -> str:
    """A teaser's count (front page, categories, tags, authors), when there are comments."""
    if not thread.total:
        return ""
    href = f"{site.siteurl}/{article.url}#comments"
    return f'<p class="comment-count"><a href="{href}">{counted(thread.total)}</a></p>'


def archive_count(site: Site, article: Article, thread: Thread) -> str:
    """An archive line's count, when there are comments."""
    if not thread.total:
        return ""
    href = f"{site.siteurl}/{article.url}#comments"
    return f' <a class="count" href="{href}">({counted(thread.total)})</a>'


def json_ld(site: Site, article: Article, thread: Thread, old: str) -> str:
    """The structured data the build wrote (``old``), with the thread's comments now."""
    data = json.loads(old.removeprefix(JSON_LD_OPEN).removesuffix(JSON_LD_CLOSE))
    return json_ld_script(with_comments(data, thread.nodes))


def json_ld_script(data: dict[str, Any]) -> str:
    return f"{JSON_LD_OPEN}{script_json(data)}{JSON_LD_CLOSE}"


def script_json(data: dict[str, Any]) -> str:
    """JSON that is safe to put between <script type="application/ld+json"> tags.

    Compact, so that json uses its C encoder; <, > and & are escaped so that no text can
    end the script element or open a comment inside it.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def with_comments(data: dict[str, Any], trees: list[CommentNode]) -> dict[str, Any]:
    """NewsArticle data with ``commentCount`` and ``comment`` last, as its build made them."""
    nodes = flatten(trees)
    data["commentCount"] = len(nodes)
    data.pop("comment", None)
    if nodes:
        data["comment"] = comment_entries(nodes, data["url"], data.get("publisher"))
    return data


def comment_entries(
    nodes: list[CommentNode], article_url: str, organisation: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """schema.org Comment entries for the published comments, replies pointing at parents;
    the newsroom's own replies are the organisation's."""
    entries = []
    for node in nodes:
        comment = node.comment
        entry: dict[str, Any] = {
            "@type": "Comment",
            "@id": f"{article_url}#comment-{comment.id}",
            "url": f"{article_url}#comment-{comment.id}",
            "author": (
                organisation
                if comment.staff and organisation
                else {"@type": "Person", "name": comment.author}
            ),
            "dateCreated": comment.created.isoformat(),
            "text": comment.body,  # as written: plain text with light Markdown
        }
        if comment.parent:
            entry["parentItem"] = {"@id": f"{article_url}#comment-{comment.parent}"}
        entries.append(entry)
    return entries


# The kinds of region a theme may place (theme: ``comment_region(kind, article)``).
DRAWN: dict[str, Draw] = {
    "head": head_link,
    "thread": thread_section,
    "teaser": teaser_count,
    "archive": archive_count,
}
KINDS = (*DRAWN, "jsonld")
