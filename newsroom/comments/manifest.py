"""The thread manifest, ``threads.json``: which articles take comments.

The build writes it (``write``) on every run; the service reads it (``ThreadIndex``) and
re-reads it when the file changes, so a rebuild that adds an article opens its thread
without a restart. The format is in docs/comments.md.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

logger = logging.getLogger(__name__)

FILENAME = "threads.json"
VERSION = 1


@dataclass(frozen=True)
class Thread:
    slug: str
    title: str
    url: str  # relative to the site root, e.g. "articles/slug/"
    permalink: str  # absolute, or root-relative when the build had no SITEURL
    published: datetime | None
    modified: datetime | None
    lang: str

    def absolute_permalink(self, base_url: str) -> str:
        """Akismet and redirects need an absolute address; the request's base supplies it."""
        return urljoin(base_url, self.permalink)


@dataclass(frozen=True)
class Manifest:
    threads: dict[str, Thread]
    site_url: str = ""  # the public site's address, as the build knew it ("" in development)
    site_name: str = ""


class ThreadIndex:
    """Threads by slug, re-read from the manifest when its modification time changes."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._manifest = Manifest({})
        self._warned = False

    def get(self, slug: str) -> Thread | None:
        return self.current().threads.get(slug)

    def current(self) -> Manifest:
        try:
            status = os.stat(self.path)
        except OSError:
            if not self._warned:
                logger.error("No thread manifest at %s: every comment is refused", self.path)
                self._warned = True
            return Manifest({})
        stamp = (status.st_mtime_ns, status.st_size)  # a rewrite within one tick changes size
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._manifest = load_manifest(self.path)
                    self._stamp = stamp
                    self._warned = False
        return self._manifest


_indexes: dict[str, ThreadIndex] = {}


def index_at(path: str) -> ThreadIndex:
    """The process's one index of this manifest: the service, its moderation and its
    jobs read the file once, and again only when it changes."""
    index = _indexes.get(path)
    if index is None:
        index = _indexes.setdefault(path, ThreadIndex(path))
    return index


def load(path: str) -> dict[str, Thread]:
    return load_manifest(path).threads


def load_manifest(path: str) -> Manifest:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
        threads = {slug: _thread(slug, item) for slug, item in data["threads"].items()}
        return Manifest(threads, str(data.get("site_url") or ""), str(data.get("site_name") or ""))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        logger.error("Cannot read the thread manifest %s: %s", path, exc)
        return Manifest({})


def _thread(slug: str, item: dict[str, str]) -> Thread:
    return Thread(
        slug=slug,
        title=item.get("title", slug),
        url=item.get("url", ""),
        permalink=_rooted(item.get("permalink") or item.get("url", "")),
        published=_date(item.get("published")),
        modified=_date(item.get("modified")),
        lang=item.get("lang", ""),
    )


def _rooted(permalink: str) -> str:
    """Absolute, or relative to the site's root: never relative to /api/ (redirects)."""
    if urlsplit(permalink).scheme or permalink.startswith("/"):
        return permalink
    return "/" + permalink


def _date(value: str | None) -> datetime | None:
    """An ISO-8601 time; one without a zone is taken as UTC (Akismet wants GMT)."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def manifest(threads: Iterable[Thread], site_url: str, site_name: str = "") -> dict[str, object]:
    return {
        "version": VERSION,
        "site_url": site_url,
        "site_name": site_name,
        "threads": {thread.slug: _entry(thread) for thread in threads},
    }


def _entry(thread: Thread) -> dict[str, str]:
    return {
        "title": thread.title,
        "url": thread.url,
        "permalink": thread.permalink,
        "published": thread.published.isoformat() if thread.published else "",
        "modified": thread.modified.isoformat() if thread.modified else "",
        "lang": thread.lang,
    }


def entry_json(thread: Thread) -> str:
    """One thread as the manifest holds it: ``"slug":{…}``."""
    return json.dumps({thread.slug: _entry(thread)}, ensure_ascii=False, separators=(",", ":"))[
        1:-1
    ]


def write(folder: str, threads: Iterable[Thread], site_url: str, site_name: str = "") -> str:
    """Write ``folder/threads.json`` whole (the service never reads a half-written file),
    and only when it changed."""
    return write_entries(folder, map(entry_json, threads), site_url, site_name)


def write_entries(folder: str, entries: Iterable[str], site_url: str, site_name: str = "") -> str:
    """``write``, with each thread's entry given as ``entry_json`` made it (a build keeps
    them from one run to the next)."""
    path = os.path.join(folder, FILENAME)
    head = {"version": VERSION, "site_url": site_url, "site_name": site_name}
    threads = ",\n".join(entries)  # a thread a line
    data = f'{json.dumps(head, ensure_ascii=False)[:-1]}, "threads": {{\n{threads}}}}}\n'.encode()
    try:
        with open(path, "rb") as handle:
            if handle.read() == data:
                return path
    except FileNotFoundError:
        pass
    os.makedirs(folder, exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)
    return path
