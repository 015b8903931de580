"""The last build's pages: each one's key, the file it left, and what observers noted.

Kept in Pelican's CACHE_PATH beside its content cache, so ``--ignore-cache`` (or
``LOAD_CONTENT_CACHE = False``) draws every page again. A page is kept only when its key
is the same and its file is still the one the build left (same size and mtime): a file
deleted, or rewritten since, is drawn again. A page drawn again to the same bytes is not
written again. The record is in 64 shards by path, and a build saves only those whose
entries changed (at 50,000 articles the whole record is 160,000 entries).
"""

from __future__ import annotations

import logging
import os
import pickle
import zlib
from typing import NamedTuple

logger = logging.getLogger(__name__)
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


def drawn(path: str, key: bytes, content: bytes, notes: dict) -> Drawn:
    found = os.stat(path)
    return Drawn(key, content, found.st_size, found.st_mtime_ns, notes)


def load(cache_path: str, output: str) -> dict[str, Drawn]:
    """The record of the last build into ``output``, or none when there is none or it
    cannot be read (every page drawn)."""
    pages: dict[str, Drawn] = {}
    for shard in range(SHARDS):
        try:
            with open(_path(cache_path, shard), "rb") as file:
                entry = pickle.load(file)
        except FileNotFoundError:
            return {}
        except Exception as exc:  # unreadable: cost a full build, never a wrong page
            logger.warning("Drawing every page: the page record could not be read (%s)", exc)
            return {}
        if tuple(entry[:2]) != (VERSION, output):  # another version's, or another folder's
            return {}
        pages.update((path, Drawn._make(drawn)) for path, drawn in entry[2].items())
    return pages


def save(cache_path: str, output: str, pages: dict[str, Drawn], last: dict[str, Drawn]) -> None:
    """The shards whose entries are not ``last``'s (the record as loaded)."""
    shards: list[dict[str, tuple]] = [{} for _ in range(SHARDS)]
    changed = set() if len(last) else set(range(SHARDS))
    for path, drawn in pages.items():
        shard = _shard(path)
        shards[shard][path] = tuple(drawn)  # pickled faster
        if last.get(path) != drawn:
            changed.add(shard)
    changed.update(_shard(path) for path in last.keys() - pages.keys())
    try:
        os.makedirs(os.path.join(cache_path, FOLDER), mode=0o700, exist_ok=True)
        for shard in changed:
            path = _path(cache_path, shard)
            temporary = f"{path}.{os.getpid()}"
            with open(temporary, "wb") as file:
                entry = (VERSION, output, shards[shard])
                pickle.dump(entry, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
    except OSError as exc:  # the site is built; the next build draws every page again
        logger.warning("The page record could not be saved in %s: %s", cache_path, exc)


def _shard(path: str) -> int:
    return zlib.crc32(path.encode()) % SHARDS


def _path(cache_path: str, shard: int) -> str:
    return os.path.join(cache_path, FOLDER, f"{shard:02d}.pickle")
