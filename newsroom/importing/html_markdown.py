"""WordPress's HTML as Markdown: a post's for Pelican, a comment's for our comment subset.

markdownify (BeautifulSoup underneath) converts in the importing process: a pandoc
process per post, as Pelican's importer runs, costs more than the import's whole budget
at 10,000 posts. Before converting, what WordPress keeps in a post's text besides HTML
is made HTML or taken out: the block editor's ``<!-- wp:… -->`` comments, ``[caption]``
and ``[gallery]`` shortcodes, other shortcodes' brackets, and WordPress's automatic
paragraphs (text whose blank lines are its paragraphs, ``wpautop``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from markdownify import MarkdownConverter

from newsroom.comments.text import ALLOWED_TAGS

BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.S)
CAPTION = re.compile(r"\[caption\b[^\]]*\](.*?)\[/caption\]", re.S | re.I)
GALLERY = re.compile(r"\[gallery\b([^\]]*)\]", re.I)
# Shortcodes of WordPress and its common plugins, by name only: a news text's own
# brackets ("[sic]", "[the mayor]") stay.
SHORTCODE = re.compile(
    r"\[/?(?:embed|video|audio|playlist|wp_caption|youtube|vimeo|tweet|twitter|instagram"
    r"|soundcloud|googlemaps|contact-form(?:-7)?|fusion_\w+|vc_\w+|et_pb_\w+)\b[^\]\[]*\]",
    re.I,
)
UNSEEN = re.compile(r"<(script|style|object|noscript)\b.*?</\1\s*>", re.S | re.I)
# An embed (a video, a map): our pages ask nothing of other sites, so a link to it.
IFRAME = re.compile(r"<iframe\b[^>]*?\bsrc=[\"']([^\"']+)[\"'][^>]*>.*?</iframe\s*>", re.S | re.I)
IDS = re.compile(r"\bids\s*=\s*[\"']?([0-9,\s]+)")
BLOCK_TAGS = re.compile(
    r"^\s*<(?:p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|img|iframe|dl|section)\b",
    re.I,
)
# What a comment may keep: the tags our comments may show, and HTML's other spelling of
# emphasis (<i>, <b>), which markdownify writes as ours.
COMMENT_TAGS = sorted(ALLOWED_TAGS | {"i", "b"})
# What a comment's text must lack for it to be its own Markdown: markup or an entity, a
# mark the converter escapes, white space it would fold (other than single spaces and
# line breaks, at neither end of a line), a line that opens a list (the converter's
# line breaks end its items differently). Stricter than text._MARKUP, which says when a
# text needs no Markdown: this says when HTML needs no converter (no runs of spaces).
PLAIN_COMMENT = re.compile(
    r"[<>&*_\\`\[\]~\x00-\x09\x0b-\x1f\x7f\x85\u2028\u2029]"  # markup, controls, line separators
    r"|^[^\S\n]|[^\S\n]$|  |^(?:[-+]|\d+[.)])(?: |$)",
    re.M,
)


class _Post(MarkdownConverter):
    """A figure's caption on its own line, in italics, below its image; text that the
    HTML escaped stays escaped (Pelican's Markdown passes raw HTML through: a post that
    shows ``&lt;script&gt;`` must not run it)."""

    def escape(self, text, parent_tags):
        escaped = super().escape(text, parent_tags)  # type: ignore[misc]  # not in its stub
        return html.escape(escaped, quote=False)

    def convert_figcaption(self, el, text, parent_tags):
        caption = " ".join(text.split())
        return f"\n\n*{caption}*\n\n" if caption else ""


def post_markdown(content: str, attachments: Mapping[int, str] | None = None) -> str:
    """A post's HTML (``content:encoded``) as Markdown; ``attachments`` maps the ids a
    ``[gallery]`` names to their files' addresses (images keep their remote addresses)."""
    text = BLOCK_COMMENT.sub("", UNSEEN.sub("", content))
    text = IFRAME.sub(_link, text)
    text = CAPTION.sub(_figure, text)
    text = GALLERY.sub(lambda found: _gallery(found.group(1), attachments or {}), text)
    text = SHORTCODE.sub("", text)  # unknown shortcodes: their text stays, brackets go
    markdown = _Post(heading_style="ATX", bullets="-", escape_misc=False).convert(_paragraphs(text))
    return _tidy(markdown)


def comment_markdown(content: str) -> str:
    """A comment's HTML as the Markdown our comments are written in: its emphasis, links,
    code and quotes kept, any other tag dropped (its text kept). Most comments are plain
    text (WordPress keeps them as typed): those need no converter, only their paragraphs
    and line breaks, which our renderer draws as the converter's Markdown."""
    if not PLAIN_COMMENT.search(content):
        paragraphs = re.split(r"\n\n+", content.strip("\n"))
        return "\n\n".join(paragraphs) + "\n" if content.strip() else ""
    return converted_comment(content)


def converted_comment(content: str) -> str:
    """``comment_markdown`` through markdownify, as any comment with markup takes."""
    converter = MarkdownConverter(convert=COMMENT_TAGS, bullets="-", escape_misc=False)
    return _tidy(converter.convert(_paragraphs(IFRAME.sub("", UNSEEN.sub("", content)))))


def _link(found: re.Match) -> str:
    address = html.escape(found.group(1))
    return f'<p><a href="{address}">{address}</a></p>'


def _figure(found: re.Match) -> str:
    """``[caption]<img …> Its caption[/caption]``: the image, then its caption."""
    inner = found.group(1)
    image_end = inner.find(">", inner.lower().find("<img")) + 1 if "<img" in inner.lower() else 0
    image, caption = inner[:image_end], inner[image_end:]
    if caption.lstrip().lower().startswith("</a>"):  # an image inside a link
        cut = caption.lower().find("</a>") + 4
        image, caption = image + caption[:cut], caption[cut:]
    return f"<figure>{image}<figcaption>{caption.strip()}</figcaption></figure>"


def _gallery(attributes: str, attachments: Mapping[int, str]) -> str:
    """A gallery as its images, when the export holds them; else nothing (said nowhere
    on the page: it showed the attachments, which the import does not bring)."""
    found = IDS.search(attributes)
    ids = [int(n) for n in re.findall(r"[0-9]+", found.group(1))] if found else []
    images = [attachments[n] for n in ids if n in attachments]
    return "".join(f'<p><img src="{html.escape(url)}" alt=""></p>' for url in images)


def _paragraphs(text: str) -> str:
    """WordPress's automatic paragraphs: text between blank lines is a paragraph, a
    single line break a ``<br>``, unless the block is HTML's own."""
    blocks = re.split(r"\n\s*\n", text.strip())
    made = []
    for block in blocks:
        if not block.strip():
            continue
        if BLOCK_TAGS.match(block):
            made.append(block)
        else:
            made.append("<p>" + "<br>\n".join(block.strip().splitlines()) + "</p>")
    return "\n\n".join(made)


def _tidy(markdown: str) -> str:
    """At most one blank line between blocks, no trailing spaces but a line break's two,
    one final newline."""
    lines = [
        line.rstrip() + ("  " if line.endswith("  ") and line.strip() else "")
        for line in markdown.strip().splitlines()
    ]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text + "\n" if text else ""
