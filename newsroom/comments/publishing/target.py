"""Where the site's files are: a local folder (served by `newsroom serve`, Caddy or
nginx), or an S3 bucket (``s3://bucket/prefix``, behind CloudFront).

A publish reads a page, changes its comment regions, and writes it back whole. A folder
gets a temporary file beside the page, renamed over it: a reader gets the old page or
the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
from typing import Protocol


class TargetError(Exception):
    """A file could not be read or written; the message names it and why."""


class Target(Protocol):
    """Paths are from the site's root, with slashes (``articles/slug/index.html``)."""

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None when there is no such file."""

    def write(self, path: str, data: bytes, content_type: str) -> None:
        """Replace the file (or create it), atomically."""

    def delete(self, path: str) -> None:
        """Remove the file, if it is there."""

    def describe(self) -> str: ...


def open_target(where: str) -> Target:
    if where.startswith("s3://"):
        from newsroom.comments.publishing.bucket import Bucket

        return Bucket.from_url(where)
    return Folder(where)


class Folder:
    def __init__(self, root: str):
        self.root = root
        self._mode = 0o666 & ~_umask()  # what a new file gets, as the build's do

    def describe(self) -> str:
        return self.root

    def _path(self, path: str) -> str:
        parts = path.split("/")
        if path.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise TargetError(f"not a path within the site: {path!r}")
        return os.path.join(self.root, *parts)

    def read(self, path: str) -> bytes | None:
        try:
            with open(self._path(path), "rb") as file:
                return file.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TargetError(f"cannot read {path}: {exc.strerror}") from exc

    def write(self, path: str, data: bytes, content_type: str = "") -> None:
        target = self._path(path)
        folder = os.path.dirname(target)
        partial = None
        try:
            os.makedirs(folder, exist_ok=True)
            partial = os.path.join(folder, f".publish-{os.urandom(8).hex()}")
            handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, self._mode)
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                os.fchmod(file.fileno(), self._mode)  # as the build's files, whatever the umask
            os.replace(partial, target)
        except OSError as exc:
            if partial is not None:
                _remove(partial)
            raise TargetError(f"cannot write {path}: {exc.strerror}") from exc

    def delete(self, path: str) -> None:
        try:
            os.remove(self._path(path))
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise TargetError(f"cannot remove {path}: {exc.strerror}") from exc


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


def _umask() -> int:
    """The process's umask, read without changing it (os.umask sets it, for every thread)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022
