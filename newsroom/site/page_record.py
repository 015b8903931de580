"""The last build's pages: each one's key, the file it left, and what observers noted.

Kept in Pelican's CACHE_PATH beside its content cache, so ``--ignore-cache`` (or
``LOAD_CONTENT_CACHE = False``) draws every page again. A page is kept only when its key
is the same and its file is still the one the build left (same size and mtime): a file
deleted, or rewritten since, is drawn again. A page drawn again to the same bytes is not
written again. The record is in 64 shards by path, and a build saves only those whose
entries changed (at 50,000 articles the whole record is 160,000 entries).
"""

from __future__ import annotations

import os
import zlib
from typing import NamedTuple

from newsroom.site import shards

FOLDER = "newsroom-pages"  # in CACHE_PATH
SHARDS = 64
VERSION = 3  # 3: in shards


class Drawn(NamedTuple):
    key: bytes  # what the page was drawn from (fingerprints.py)
    content: bytes  # a digest of the bytes it left
    size: int
    mtime_ns: int
    notes: dict  # observer -> what it noted of the page


def still_there(path: str, drawn: Drawn) -> bool:
    try:
        found = os.stat(path)
    except OSError:
        return False
    return found.st_size == drawn.size and found.st_mtime_ns == drawn.mtime_ns


def drawn(
    path: str, key: bytes, content: bytes, notes: dict, found: os.stat_result | None = None
) -> Drawn:
    """A file just written (``found``: as it was written, else asked now)."""
    found = found or os.stat(path)
    return Drawn(key, content, found.st_size, found.st_mtime_ns, notes)


def load(cache_path: str, output: str) -> dict[str, Drawn]:
    """The record of the last build into ``output``, or none when there is none, a shard
    is missing, or one cannot be read (every page drawn)."""
    found = shards.load(
        os.path.join(cache_path, FOLDER), SHARDS, (VERSION, output), "Drawing every page"
    )
    if found is None or len(found) < SHARDS:
        return {}
    return {path: Drawn._make(drawn) for part in found.values() for path, drawn in part.items()}


def save(cache_path: str, output: str, pages: dict[str, Drawn], last: dict[str, Drawn]) -> None:
    """The shards whose entries are not ``last``'s (the record as loaded); all of them
    when there was none."""
    parts: list[dict[str, tuple]] = [{} for _ in range(SHARDS)]
    changed = set() if len(last) else set(range(SHARDS))
    for path, drawn in pages.items():
        shard = _shard(path)
        parts[shard][path] = tuple(drawn)  # pickled faster
        if last.get(path) != drawn:
            changed.add(shard)
    changed.update(_shard(path) for path in last.keys() - pages.keys())
    payloads = {shard: parts[shard] for shard in changed}
    shards.save(os.path.join(cache_path, FOLDER), payloads, (VERSION, output))


def _shard(path: str) -> int:
    return zlib.crc32(path.encode()) % SHARDS
