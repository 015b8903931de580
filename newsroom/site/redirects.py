"""What the redirects plugin does to a build: each imported article's old permalink (its
``WordPress-Link`` and ``WordPress-Id`` metadata) made to lead to its new address.

Written after the generators have their content and before pages are drawn: a redirect
page at each old path (a page the site draws at that path replaces it, and an existing
file that is not a redirect page is never overwritten), ``_redirects`` at the site's
root, and ``.newsroom/redirects.json`` and ``.newsroom/redirects.nginx`` beside the
build's record. A build whose articles have no old links removes what an earlier one
wrote there.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
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
        link = content.metadata.get("wordpress-link", "")
        number = str(content.metadata.get("wordpress-id", ""))
        if link or number.isdigit():
            found.append(
                Moved(
                    old_path=old_path(link),
                    old_id=int(number) if number.isdigit() else None,
                    new=f"{root}/{content.url}",
                    title=content.title,
                )
            )
    return found


def write(output: str, found: list[Moved], settings: dict[str, Any]) -> int:
    """The redirect files; how many old paths got a redirect page."""
    table = Table.of(found)
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
        if table.paths.get(item.old_path) != item.new:
            continue  # no old path, or another article's
        target = Path(output, _file_for(item.old_path))
        if not _ours(target):
            logger.warning(
                "Old link %s: %s is the site's own; no redirect page", item.old_path, target
            )
            continue
        _write(target, page(item.new, origin + item.new, item.title, lang))
        written += 1
    return written


def _file_for(path: str) -> str:
    """Where a server looks for a path: ``/a/b/`` and ``/a/b`` at ``a/b/index.html``,
    ``/a/b.html`` at itself."""
    relative = path.strip("/")
    return relative if relative.endswith((".html", ".htm")) else f"{relative}/index.html"


def _ours(target: Path) -> bool:
    """Whether a redirect page may be written there: nothing, or a redirect page, is."""
    try:
        with open(target, "rb") as file:
            return PAGE_MARK.encode() in file.read(512)
    except FileNotFoundError:
        return True
    except OSError:  # a folder, say
        return False


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, "utf-8")
    os.replace(temporary, path)
