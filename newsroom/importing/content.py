"""The articles already in a content folder, as an import matches them: by the
WordPress id and old link an earlier import wrote into their metadata, and by slug."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

STAGING = ".newsroom-import"  # an import's folder, in the content folder
PAGES = "pages"  # where pages are, under the content folder
FIELD = re.compile(r"^(Slug|WordPress-Id|WordPress-Link):[ \t]*(\S.*?)\s*$", re.M)


@dataclass(frozen=True)
class Article:
    thread: str  # what our comments call it: its slug; a page's, pages/SLUG
    slug: str
    wordpress_id: int | None
    old_link: str  # its WordPress permalink ("" when none)


def articles_in(root: Path) -> list[Article]:
    """Every Markdown article and page under ``root`` (not what an import staged)."""
    found = []
    for path in sorted(root.rglob("*.md")):
        relative = path.relative_to(root)
        if STAGING in relative.parts:
            continue
        fields = dict(FIELD.findall(_metadata(path)))
        slug = fields.get("Slug", path.stem)
        number = fields.get("WordPress-Id", "")
        found.append(
            Article(
                thread=thread_of(PAGES if PAGES in relative.parts[:-1] else "", slug),
                slug=slug,
                wordpress_id=int(number) if number.isascii() and number.isdigit() else None,
                old_link=fields.get("WordPress-Link", ""),
            )
        )
    return found


def _metadata(path: Path) -> str:
    """A Markdown file's metadata: its lines up to the first blank one."""
    lines = []
    with open(path, encoding="utf-8", errors="replace") as file:
        for line in file:
            if not line.strip():
                break
            lines.append(line)
    return "".join(lines)


def thread_of(folder: str, slug: str) -> str:
    """Our comments name an article by its slug; a page's are kept apart."""
    return f"{folder}/{slug}" if folder else slug


def link_key(link: str) -> str:
    """A link as matching compares it: no scheme, no ``www.``, any case of host, no
    trailing slash, the query kept (``?p=12``), no fragment."""
    parts = urlsplit(link.strip())
    host = (parts.hostname or "").removeprefix("www.")
    path = unquote(parts.path).rstrip("/")
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")


def slug_of_link(link: str) -> str:
    """A link's last path segment without an extension (``…/rates-rise.html``)."""
    path = unquote(urlsplit(link.strip()).path).rstrip("/")
    last = path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[0] if last.endswith((".html", ".htm", ".php")) else last
