"""The published comments of an article as HTML, for its page.

Written in Python rather than as a Jinja macro, because a build renders every comment
of the site and a macro call per comment is slow. The markup is the theme's contract:
``li.comment#comment-ID``, replies in ``ol.comment-replies`` inside their parent.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from newsroom.comments.tree import CommentNode


def render(nodes: list[CommentNode], date_format: str, reply_url: str) -> str:
    """``reply_url`` is the reply form's address up to the parent's id."""
    parts: list[str] = []
    _render(nodes, date_format, reply_url, parts)
    return "".join(parts)


def reply_base(api: str, slug: str) -> str:
    return f"{api}/form?thread={quote(slug)}&amp;parent="


def _render(nodes: list[CommentNode], date_format: str, reply_url: str, parts: list[str]) -> None:
    for node in nodes:
        c = node.comment
        author = escape(c.author)
        if node.website:
            who = f'<a class="comment-author" href="{escape(node.website)}" rel="nofollow ugc">{author}</a>'  # noqa: E501
        else:
            who = f'<span class="comment-author">{author}</span>'
        if c.staff:  # the newsroom's own reply, marked in words as well as in style
            who += ' <span class="staff-badge">Newsroom</span>'
        if node.in_reply_to:
            who += f' <span class="in-reply-to">in reply to {escape(node.in_reply_to)}</span>'
        created = c.created
        parts.append(
            f'<li class="{"comment comment-staff" if c.staff else "comment"}" id="comment-{c.id}">'
            f'<article aria-labelledby="comment-{c.id}-by">'
            f'<p class="comment-meta" id="comment-{c.id}-by">{who} · '
            f'<a class="comment-permalink" href="#comment-{c.id}">'
            f'<time datetime="{created.isoformat(timespec="seconds")}">'
            f"{created.strftime(date_format)}</time></a></p>"
            f'<div class="comment-body">{_no_comment_opener(c.body_html)}</div>'
            f'<p class="comment-actions"><a class="reply-link" href="{reply_url}{c.id}">'
            f"Reply to {author}</a></p></article>"
        )
        if node.replies:
            parts.append('<ol class="comment-replies">')
            _render(node.replies, date_format, reply_url, parts)
            parts.append("</ol>")
        parts.append("</li>")


def _no_comment_opener(body_html: str) -> str:
    """The sanitiser drops HTML comments and escapes ``<`` in text; an older nh3 left it
    in attribute values (a link to ``…<!--/comments-->``), where ``&lt;`` means the same
    and cannot end a page's region early (publishing/regions.py)."""
    return body_html.replace("<!--", "&lt;!--") if "<!--" in body_html else body_html
