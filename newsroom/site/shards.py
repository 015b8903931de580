"""A folder of pickled shards in CACHE_PATH, each stamped with what it was made for (a
format version, and the site's digest or the output folder): a build rewrites only the
shards that changed. The article cache, the page record and the remembered values keep
their data so.

Pickles run code when read: the folder is made private (0700). A shard that cannot be
read costs the work it saved, never a wrong result; one that cannot be written, a warning.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger(__name__)


def load(folder: str, count: int, stamp: tuple, unreadable: str) -> dict[int, Any] | None:
    """The payload of each shard there, by number; None when one was made for another
    stamp, or cannot be read (then a warning: ``unreadable`` says what that costs)."""
    found: dict[int, Any] = {}
    for shard in range(count):
        try:
            with open(_path(folder, shard), "rb") as file:
                entry = pickle.load(file)
        except FileNotFoundError:
            continue
        except Exception as exc:
            logger.warning("%s: %s could not be read (%s)", unreadable, folder, exc)
            return None
        if tuple(entry[: len(stamp)]) != stamp:  # another version's, site's or folder's
            return None
        found[shard] = entry[len(stamp)]
    return found


def save(folder: str, payloads: Mapping[int, Any], stamp: tuple) -> None:
    """Each shard given replaced whole (a warning if the folder cannot be written)."""
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        for shard, payload in payloads.items():
            path = _path(folder, shard)
            temporary = f"{path}.{os.getpid()}"
            with open(temporary, "wb") as file:
                pickle.dump((*stamp, payload), file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
    except OSError as exc:
        logger.warning("%s could not be saved: %s", folder, exc)


def _path(folder: str, shard: int) -> str:
    return os.path.join(folder, f"{shard:02d}.pickle")
