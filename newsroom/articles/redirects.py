"""Old links to new: the table of an imported site's old permalinks, and each form a
host reads it in.

A build writes the table (site/redirects.py) as a redirect page at each old path, a
``_redirects`` file (Netlify, Cloudflare Pages), an nginx map, and JSON for `newsroom
serve`. Static hosts cannot match a query string, so WordPress's ``?p=ID`` links are
answered by `newsroom serve` and the nginx map only. Paths are kept decoded, as servers
match them (``/2024/03/café/``); ``_redirects`` gets them percent-encoded.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlsplit

TABLE_FILE = ".newsroom/redirects.json"  # in the built site, beside the build's record
PAGE_MARK = '<meta name="generator" content="Newsroom redirect">'  # pages we may replace
ID_PARAMETERS = ("p", "page_id")  # WordPress's plain permalinks: /?p=12, /?page_id=7
ID_PATHS = ("/", "/index.php")
# Cloudflare Pages reads at most this many static rules from _redirects (Netlify has no
# such limit); the redirect pages still answer for the rest.
CLOUDFLARE_RULES = 2000


@dataclass(frozen=True)
class Moved:
    old_path: str  # decoded; "" when the old link was ?p=ID on the site's root
    old_id: int | None  # the WordPress id, for ?p=ID
    new: str  # the article's path on this site ("/articles/rates-rise/")
    title: str


@dataclass(frozen=True)
class Table:
    paths: dict[str, str]  # old path -> new path
    ids: dict[str, str]  # WordPress id -> new path

    @classmethod
    def of(cls, moved: list[Moved]) -> Table:
        """Only site paths on both sides (``/…``, never ``//host``): a host reads each
        entry as a path, never as a pattern, a keyword or another site."""
        kept = [m for m in moved if _site_path(m.new)]
        paths = {m.old_path: m.new for m in kept if _site_path(m.old_path) and m.old_path != m.new}
        ids = {str(m.old_id): m.new for m in kept if m.old_id is not None}
        return cls(dict(sorted(paths.items())), dict(sorted(ids.items(), key=_numeric)))

    @classmethod
    def from_json(cls, data: bytes) -> Table:
        """The table a build wrote; a ValueError if it is not one."""
        loaded = json.loads(data)
        if not isinstance(loaded, dict):
            raise ValueError("not a table of old links")
        paths, ids = loaded.get("paths"), loaded.get("ids")
        if not isinstance(paths, dict) or not isinstance(ids, dict):
            raise ValueError("not a table of old links")
        return cls(
            {str(k): v for k, v in paths.items() if _site_path(v)},
            {str(k): v for k, v in ids.items() if _site_path(v)},
        )

    def to_json(self) -> str:
        return json.dumps({"paths": self.paths, "ids": self.ids}, ensure_ascii=False, indent=0)

    def find(self, path: str, query: str = "") -> str | None:
        """Where an old link now is: its path, with or without the trailing slash, or
        its ``?p=ID`` on the site's root; None when it is not an old link."""
        for candidate in (path, path.rstrip("/") + "/", path.rstrip("/")):
            if candidate in self.paths:
                return self.paths[candidate]
        if query and path in ID_PATHS:
            for name, value in parse_qsl(query):
                if name in ID_PARAMETERS and value in self.ids:
                    return self.ids[value]
        return None

    def redirects_file(self) -> str:
        """Netlify's and Cloudflare Pages' ``_redirects``: one permanent rule a path."""
        return "".join(f"{quote(old)} {quote(new)} 301\n" for old, new in self.paths.items())

    def nginx_map(self) -> str:
        """Two maps for nginx's ``http`` block; the server block then says
        ``if ($newsroom_moved) { return 301 $newsroom_moved; }``. Entries nginx could
        misread (quotes, backslashes, ``$``) are left out: their redirect pages remain."""
        lines = [
            "# Old links to new, written by the build (Newsroom): include this file in",
            "# nginx's http block, and in the site's server block:",
            "#     if ($newsroom_moved) { return 301 $newsroom_moved; }",
            "map $uri $newsroom_moved {",
            "    default $newsroom_moved_id;",
            *(f'    "{old}" "{new}";' for old, new in self.paths.items() if _plain(old + new)),
            "}",
            "map $arg_p$arg_page_id $newsroom_moved_id {",
            '    default "";',
            *(f'    "{id}" "{new}";' for id, new in self.ids.items() if _plain(new)),
            "}",
        ]
        return "\n".join(lines) + "\n"


def old_path(link: str) -> str:
    """An old permalink's path, decoded; "" for the site's root (a ``?p=ID`` link) and
    for a path no server would map to a file of the site (``..``, hidden, ``\\``)."""
    link = link.strip()
    if any(c.isspace() or not c.isprintable() for c in link):  # not a link as written
        return ""
    path = unquote(urlsplit(link).path)
    if not _site_path(path):
        return ""
    inner = path.strip("/").split("/")
    unsafe = "\0" in path or any(not part or part.startswith(".") for part in inner)
    return "" if path in ID_PATHS or unsafe else path


def page(new: str, canonical: str, title: str, lang: str) -> str:
    """A redirect page: a script that keeps the link's fragment (``#comment-12``), which a
    meta refresh drops, the refresh for readers without JavaScript, and a link."""
    target, name = html.escape(new), html.escape(title)
    script = json.dumps(new).replace("<", "\\u003c")
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f"{PAGE_MARK}\n<title>Moved: {name}</title>\n"
        f'<link rel="canonical" href="{html.escape(canonical)}">\n'
        '<meta name="robots" content="noindex">\n'
        f"<script>location.replace({script} + location.hash)</script>\n"
        f'<meta http-equiv="refresh" content="0; url={target}">\n</head>\n<body>\n'
        f'<p>This article has moved: <a href="{target}">{name}</a>.</p>\n</body>\n</html>\n'
    )


def _site_path(path: object) -> bool:
    """A path on this site: ``/`` first, not ``//`` (another host), no backslash."""
    return (
        isinstance(path, str)
        and path.startswith("/")
        and not path.startswith("//")
        and "\\" not in path
    )


def _plain(text: str) -> bool:
    return not any(c in text for c in '"\\$') and not any(c.isspace() for c in text)


def _numeric(item: tuple[str, str]) -> int:
    return int(item[0]) if item[0].isdigit() else 0
