"""The build's record: which pages show which article's comments, and the settings the
build drew them with, so that a publish redraws them the same way.

It lives beside the site it describes, in ``.newsroom/`` (written by every build):
``site.json`` holds the settings (``fragments.Site``); the articles are spread over 1,024
files by a hash of their slug, so that a publish reads one small file per thread rather
than the whole site's. It holds nothing that the site's own pages do not show.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from newsroom.comments.publishing.fragments import Article, Site

FOLDER = ".newsroom"
SITE = f"{FOLDER}/site.json"
# The articles of the site feed's comments: a publish redraws that feed without
# reading a shard per comment.
LATEST = f"{FOLDER}/latest.json"
VERSION = 1
SHARDS = 1024  # 50 articles each at 50,000: a publish parses 30 KB, not 120


class RecordError(Exception):
    """No record where one was looked for, or one this version cannot read."""


class Reads(Protocol):
    def read(self, path: str) -> bytes | None: ...


class Entry(NamedTuple):
    article: Article
    pages: tuple[str, ...]  # every page holding one of its regions, its own among them


def shard(slug: str) -> str:
    return f"{FOLDER}/threads/{zlib.crc32(slug.encode()) % SHARDS:03x}.json"


def latest_file(articles: Iterable[Article]) -> bytes:
    """LATEST: the site feed's articles, by slug (written by builds and publishes alike)."""
    found = {a.slug: {k: v for k, v in a._asdict().items() if k != "slug"} for a in articles}
    return _json(dict(sorted(found.items())))


def files(site: Site, settings_file: str, entries: Iterable[Entry]) -> dict[str, bytes]:
    """The record's files but LATEST, by path from the site's root (the same bytes for
    the same build)."""
    shards: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        shards[shard(entry.article.slug)].append(entry)
    written = {SITE: head_file(site, settings_file)}
    for path in sorted(shards):
        written[path] = shard_file(shards[path])
    return written


def head_file(site: Site, settings_file: str) -> bytes:
    head = {
        "version": VERSION,
        "settings_file": settings_file,
        "site": {**site._asdict(), "newest": site.newest.isoformat()},
    }
    return _json(head)


def shard_file(entries: Iterable[Entry]) -> bytes:
    """One shard's file: its articles' entries (all of one ``shard``)."""
    found = {}
    for entry in entries:
        article = entry.article._asdict()
        slug = article.pop("slug")
        found[slug] = {**article, "pages": sorted(entry.pages)}
    return _json(dict(sorted(found.items())))


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


class Record:
    """A build's record, read from where the site is (a folder, a bucket)."""

    def __init__(self, where: Reads):
        self.where = where
        head = _load(where, SITE)
        if head is None:
            raise RecordError(
                f"no build record ({SITE}): build the site once with this version "
                "(make html or make publish)"
            )
        if head.get("version") != VERSION:
            raise RecordError(f"{SITE} is of version {head.get('version')}; build the site again")
        site = dict(head["site"])
        site["newest"] = datetime.fromisoformat(site["newest"])
        self.site = Site(**site)
        self.settings_file: str = head.get("settings_file", "")
        self._shards: dict[str, Mapping[str, Any]] = {}

    def entries(self, slugs: Iterable[str]) -> dict[str, Entry]:
        """The entries of these slugs that the build wrote (a deleted article has none)."""
        found = {}
        for slug in slugs:
            data = self._shard(shard(slug)).get(slug)
            if data is not None:
                pages = tuple(data["pages"])
                fields = {k: v for k, v in data.items() if k != "pages"}
                found[slug] = Entry(Article(slug=slug, **fields), pages)
        return found

    def latest(self) -> dict[str, Article]:
        """The articles of the site feed's comments, as the last build or publish wrote it."""
        found = _load(self.where, LATEST) or {}
        return {slug: Article(slug=slug, **fields) for slug, fields in found.items()}

    def slugs(self) -> list[str]:
        """Every article the build recorded (a publish of the whole site)."""
        every = (self._shard(f"{FOLDER}/threads/{n:03x}.json") for n in range(SHARDS))
        return sorted(slug for shard in every for slug in shard)

    def _shard(self, path: str) -> Mapping[str, Any]:
        if path not in self._shards:
            self._shards[path] = _load(self.where, path) or {}
        return self._shards[path]


def _load(where: Reads, path: str) -> Any:
    data = where.read(path)
    if data is None:
        return None
    try:
        return json.loads(data)
    except ValueError as exc:
        raise RecordError(f"{path} is not readable JSON ({exc}); build the site again") from exc
