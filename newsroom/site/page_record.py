"""The last build's pages: each one's key, the file it left, and what observers noted.

Kept in Pelican's CACHE_PATH beside its content cache, so ``--ignore-cache`` (or
``LOAD_CONTENT_CACHE = False``) draws every page again. A page is kept only when its key
is the same and its file is still the one the build left (same size and mtime): a file
deleted, or rewritten since, is drawn again. A page drawn again to the same bytes is not
written again.
"""

from __future__ import annotations

import logging
import os
import pickle
from typing import NamedTuple

logger = logging.getLogger(__name__)
FILE_NAME = "newsroom-pages.pickle"
VERSION = 1


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


def load(cache_path: str) -> dict[str, Drawn]:
    """The record, or none when there is none or it cannot be read (every page drawn)."""
    try:
        with open(os.path.join(cache_path, FILE_NAME), "rb") as file:
            version, pages = pickle.load(file)
    except FileNotFoundError:
        return {}
    except Exception as exc:  # unreadable: cost a full build, never a wrong page
        logger.warning("Drawing every page: the page record could not be read (%s)", exc)
        return {}
    return {path: Drawn._make(entry) for path, entry in pages.items()} if version == VERSION else {}


def save(cache_path: str, pages: dict[str, Drawn]) -> None:
    os.makedirs(cache_path, exist_ok=True)
    path = os.path.join(cache_path, FILE_NAME)
    temporary = f"{path}.{os.getpid()}"
    with open(temporary, "wb") as file:
        plain = {path: tuple(drawn) for path, drawn in pages.items()}  # pickled faster
        pickle.dump((VERSION, plain), file, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)
