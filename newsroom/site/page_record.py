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
VERSION = 2


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
    try:
        with open(os.path.join(cache_path, FILE_NAME), "rb") as file:
            version, its_output, pages = pickle.load(file)
    except FileNotFoundError:
        return {}
    except Exception as exc:  # unreadable: cost a full build, never a wrong page
        logger.warning("Drawing every page: the page record could not be read (%s)", exc)
        return {}
    if (version, its_output) != (VERSION, output):
        return {}
    return {path: Drawn._make(entry) for path, entry in pages.items()}


def save(cache_path: str, output: str, pages: dict[str, Drawn]) -> None:
    path = os.path.join(cache_path, FILE_NAME)
    temporary = f"{path}.{os.getpid()}"
    plain = {path: tuple(drawn) for path, drawn in pages.items()}  # pickled faster
    try:
        os.makedirs(cache_path, mode=0o700, exist_ok=True)
        with open(temporary, "wb") as file:
            pickle.dump((VERSION, output, plain), file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError as exc:  # the site is built; the next build draws every page again
        logger.warning("The page record could not be saved in %s: %s", cache_path, exc)
