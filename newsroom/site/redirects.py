"""What the redirects plugin does to a build: each imported article's old permalink (its
``WordPress-Link`` and ``WordPress-Id`` metadata) made to lead to its new address.

Written once the site's own files are: a redirect page at each old path, ``_redirects``
at the site's root, and ``.newsroom/redirects.json`` and ``.newsroom/redirects.nginx``
beside the build's record. An old path where the site has a file of its own gets no
redirect anywhere (that file answers; its ``?p=ID`` still does). The redirect pages of
old paths the last build had and this one has not are removed, and so are the files
when no article has an old link any more.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsroom.articles.redirects import (
    CLOUDFLARE_RULES,
    PAGE_MARK,
    TABLE_FILE,
    Moved,
    Table,
    old_path,
    page,
)

logger = logging.getLogger(__name__)
NGINX = ".newsroom/redirects.nginx"
NETLIFY = "_redirects"


def moved(contents: Iterable[Any], settings: dict[str, Any]) -> list[Moved]:
    """The articles and pages that came with an old link, and where they are now."""
    root = urlsplit(settings.get("SITEURL", "")).path.rstrip("/")
    found = []
    for content in contents:
        link = str(content.metadata.get("wordpress-link", ""))
        number = str(content.metadata.get("wordpress-id", "")).strip()
        known = number if re.fullmatch(r"[0-9]{1,18}", number) else ""
        if link or known:
            found.append(
                Moved(
                    old_path=old_path(link),
                    old_id=int(known) if known else None,
                    new=f"{root}/{content.url}",
                    title=content.title,
                )
            )
    return found


def write(output: str, found: list[Moved], settings: dict[str, Any]) -> int:
    """The redirect files, once the site's own are written; how many old paths got a
    redirect page. An old path where the site has a file of its own is left out: that
    file answers there, on every host."""
    found = [
        replace(item, old_path="") if _taken(output, item.old_path) else item for item in found
    ]
    table = Table.of(found)
    _remove_stale_pages(output, table)
    files = {TABLE_FILE: table.to_json(), NGINX: table.nginx_map(), NETLIFY: table.redirects_file()}
    if not table.paths and not table.ids:
        for name in files:
            Path(output, name).unlink(missing_ok=True)
        return 0
    for name, text in files.items():
        _write(Path(output, name), text)
    if len(table.paths) > CLOUDFLARE_RULES:
        logger.warning(
            "%d old links: Cloudflare Pages reads the first %d rules of _redirects; the "
            "redirect pages answer for the others",
            len(table.paths), CLOUDFLARE_RULES,
        )  # fmt: skip
    return _pages(output, found, table, settings)


def _pages(output: str, found: list[Moved], table: Table, settings: dict[str, Any]) -> int:
    site_url = settings.get("SITEURL", "").rstrip("/")
    origin = site_url.removesuffix(urlsplit(site_url).path) if site_url else ""
    lang = settings.get("DEFAULT_LANG", "en")
    written = 0
    for item in found:
        if table.paths.get(item.old_path) != item.new or not _file_for(item.old_path):
            continue  # no old path, another article's, or not a page's (/feed.xml)
        try:
            _write(
                Path(output, _file_for(item.old_path)),
                page(item.new, origin + item.new, item.title, lang),
            )
        except OSError as exc:  # a file of the site's where the path needs a folder
            logger.warning("Old link %s: no redirect page (%s)", item.old_path, exc)
            continue
        written += 1
    return written


def _remove_stale_pages(output: str, table: Table) -> None:
    """The redirect pages of the last build's table whose old paths this one has not."""
    try:
        last = Table.from_json(Path(output, TABLE_FILE).read_bytes())
    except (OSError, ValueError):
        return
    for path in last.paths.keys() - table.paths.keys():
        target = Path(output, _file_for(path))
        if _file_for(path) and _is_redirect_page(target):
            target.unlink()


def _file_for(path: str) -> str:
    """Where a server looks for a path: ``/a/b/`` and ``/a/b`` at ``a/b/index.html``,
    ``/a/b.html`` at itself; none for another kind of file (``/a/feed.xml``)."""
    relative = path.strip("/")
    last = relative.rsplit("/", 1)[-1]
    if last.endswith((".html", ".htm")):
        return relative
    return "" if "." in last else f"{relative}/index.html"


def _taken(output: str, path: str) -> bool:
    """Whether the site has a file of its own at an old path (not a redirect page)."""
    if not path:
        return False
    relative = path.strip("/")
    for candidate in (relative, _file_for(path)):
        target = Path(output, candidate) if candidate else None
        if target is not None and target.is_file() and not _is_redirect_page(target):
            return True
    return False


def _is_redirect_page(target: Path) -> bool:
    try:
        with open(target, "rb") as file:
            return PAGE_MARK.encode() in file.read(512)
    except OSError:
        return False


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, "utf-8")
    os.replace(temporary, path)
