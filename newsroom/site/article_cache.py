"""Articles read on every core, and kept read from one build to the next.

Pelican reads articles one at a time in one process, and its content cache keeps only
what a reader returned: every build still makes every article object anew (0.4 ms an
article, 20 s at 50,000). Here, before Pelican's loop, the files that are new or changed
since the last build are read in forked processes (processes.py) as Pelican reads them,
and each article comes back pickled, the site's settings and context left out (they are
the same objects in every process). The pickles are kept in CACHE_PATH with each file's
size and mtime, in 64 shards (an edit rewrites one). Pelican's loop is then handed the
files listed and the articles read (its generator's ``get_files`` and
``get_cached_data``), so it reads none itself and asks no file's mtime again.

A file that cannot be read, or that Pelican would skip, is left to Pelican, which reads
it and reports it as it always has. What a read logs is logged again by the build's own
process, in the files' order. The cache is dropped when the settings, our code or the
readers' versions change (fingerprints.site_digest); ``--ignore-cache`` reads everything.
Drafts are not kept (one dated ahead becomes due), and an article from the cache gets
no ``content_object_init`` again: what its receivers set was kept with it.

The cache holds pickles, which run code when read: whoever can write CACHE_PATH can run
code in the build, as whoever can write pelicanconf.py can. It is made private (0700).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import pickle
import zlib
from typing import Any

from pelican import signals
from pelican.contents import Article
from pelican.log import FilteredMessage
from pelican.readers import SkipStub

from newsroom.site import articles, processes
from newsroom.site.fingerprints import site_digest

logger = logging.getLogger(__name__)
FOLDER = "newsroom-articles"  # in CACHE_PATH
SHARDS = 64  # files, so that a changed article rewrites a sixty-fourth of the cache
VERSION = 1
Stamp = tuple[int, int | str]  # (size, mtime in ns or a hash)


class _Pickler(pickle.Pickler):
    """Pickles an article with the build's settings and context as names."""

    def __init__(self, file, shared: dict[int, str]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.shared = shared

    def persistent_id(self, obj: Any) -> str | None:
        return self.shared.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, shared: dict[str, Any]):
        super().__init__(file)
        self.shared = shared

    def persistent_load(self, pid: str) -> Any:
        return self.shared[pid]


def read_ahead(generator) -> None:
    """``article_generator_init``: every article read (or taken from the cache) now."""
    settings = generator.settings
    cache_path = settings.get("CACHE_PATH", "cache")
    digest = site_digest(settings, settings.get("PLUGIN_PATHS", []))
    kept = _load(cache_path, digest) if settings.get("LOAD_CONTENT_CACHE") else {}
    listed = generator.get_files(settings["ARTICLE_PATHS"], exclude=settings["ARTICLE_EXCLUDES"])
    files = sorted(listed)
    method = settings.get("CHECK_MODIFIED_METHOD", "mtime")
    stamps = {name: _stamp(os.path.join(generator.path, name), method) for name in files}
    fresh = [n for n in files if stamps[n] is None or kept.get(n, (None,))[0] != stamps[n]]
    gone = kept.keys() - stamps.keys()
    reads = processes.map_in_processes(
        lambda name: _read(generator, name), fresh, processes.count(settings)
    )
    for name, (pickled, records) in zip(fresh, reads, strict=True):
        for record in records:
            _log_again(record)
        kept[name] = (stamps[name], pickled)
    del reads  # kept holds the pickles now, and lets each go once it is read
    kept = {name: kept[name] for name in files}  # files gone are forgotten
    if (fresh or gone) and settings.get("CACHE_CONTENT"):
        _save(cache_path, digest, kept, {_shard(name) for name in (*fresh, *gone)})
    ready = _unpickle(kept, {"settings": settings, "context": generator.context})
    _hand_over(generator, listed, ready)
    logger.info(
        "Articles: %d read, %d as the last build read them", len(fresh), len(files) - len(fresh)
    )


def _unpickle(kept: dict, shared: dict[str, Any]) -> dict[str, Article]:
    """The articles, each pickle let go once read (they weigh as much as the articles)."""
    ready = {}
    processes.hold_heap()  # millions of objects made, none garbage: no collection walks them
    try:
        for name in list(kept):
            stamp, pickled = kept.pop(name)
            if pickled is not None:
                article = _Unpickler(io.BytesIO(pickled), shared).load()
                article.newsroom_stamp = stamp  # the file as it was read
                articles.keep_relative_path(article)  # Pelican's loop asks for it (40 µs)
                ready[name] = article
    finally:
        processes.hold_heap()  # the articles live to the build's end
    return ready


def _hand_over(generator, listed: list[str], ready: dict[str, Article]) -> None:
    """Pelican's loop gets the files just listed and the articles just read, without
    walking the folders or asking each file's mtime again (a second each at 50,000), and
    each article's static links as found when it was read."""
    list_files = generator.get_files
    articles_listed = (generator.settings["ARTICLE_PATHS"], generator.settings["ARTICLE_EXCLUDES"])

    def get_files(paths, exclude=None, extensions=None):
        if (paths, exclude, extensions) == (*articles_listed, None):
            return set(listed)
        return list_files(paths, exclude=exclude, extensions=extensions)

    def get_cached_data(name, default=None):
        return ready.get(name, default)

    add_static_links = generator.add_static_links

    def add_static_links_as_read(content):
        links = getattr(content, "newsroom_static_links", None)
        if links is None:
            add_static_links(content)
        else:  # found when it was read (a regex over its text: 10 µs an article)
            generator.context["static_links"] |= links

    generator.get_files = get_files
    generator.get_cached_data = get_cached_data
    generator.add_static_links = add_static_links_as_read


def _read(generator, name: str) -> tuple[bytes | None, list[logging.LogRecord]]:
    """In a worker: one article as Pelican's loop reads it, pickled, and what was logged
    (None, and nothing logged, for a file Pelican must read and report itself)."""
    caught = _Caught()
    root = logging.getLogger()
    handlers, root.handlers = root.handlers, [caught]
    try:
        article = generator.readers.read_file(
            base_path=generator.path,
            path=name,
            content_class=Article,
            context=generator.context,
            preread_signal=signals.article_generator_preread,
            preread_sender=generator,
            context_signal=signals.article_generator_context,
            context_sender=generator,
        )
        if isinstance(article, SkipStub) or not article.is_valid() or article.status == "draft":
            return None, []  # a draft too: one dated ahead is published when its day comes
        articles.remember_as_read(article)
        file = io.BytesIO()
        shared = {id(generator.settings): "settings", id(generator.context): "context"}
        _Pickler(file, shared).dump(article)
    except Exception:
        return None, []
    finally:
        root.handlers = handlers
    return file.getvalue(), caught.records


def _log_again(record: logging.LogRecord) -> None:
    with contextlib.suppress(FilteredMessage):  # Pelican's loggers drop a repeat so
        logging.getLogger(record.name).handle(record)


class _Caught(logging.Handler):
    """What a read logged, made plain enough to cross processes."""

    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None
        record.exc_info = record.exc_text = None
        self.records.append(record)


def _stamp(path: str, method: str) -> Stamp | None:
    """A file's size and mtime, or with CHECK_MODIFIED_METHOD a hash's name, its hash."""
    try:
        if method != "mtime":
            with open(path, "rb") as file:
                data = file.read()
            return len(data), hashlib.new(method, data).hexdigest()
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return found.st_size, found.st_mtime_ns


def _shard(name: str) -> int:
    return zlib.crc32(name.encode()) % SHARDS


def _load(cache_path: str, digest: bytes) -> dict:
    """Every shard's articles, or none if one cannot be read or was made otherwise."""
    kept: dict = {}
    for shard in range(SHARDS):
        try:
            with open(os.path.join(cache_path, FOLDER, f"{shard:02d}.pickle"), "rb") as file:
                version, kept_digest, part = pickle.load(file)
        except FileNotFoundError:
            continue
        except Exception as exc:  # unreadable: read everything, never a wrong article
            logger.warning("Reading every article: the article cache could not be read (%s)", exc)
            return {}
        if (version, kept_digest) != (VERSION, digest):
            return {}
        kept.update(part)
    return kept


def _save(cache_path: str, digest: bytes, kept: dict, shards: set[int]) -> None:
    """The shards that changed, each replaced whole (a warning if they cannot be)."""
    try:
        _save_shards(cache_path, digest, kept, shards)
    except OSError as exc:
        logger.warning("The article cache could not be saved in %s: %s", cache_path, exc)


def _save_shards(cache_path: str, digest: bytes, kept: dict, shards: set[int]) -> None:
    folder = os.path.join(cache_path, FOLDER)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    parts: dict[int, dict] = {shard: {} for shard in shards}
    for name, entry in kept.items():
        part = parts.get(_shard(name))
        if part is not None:
            part[name] = entry
    for shard, part in parts.items():
        path = os.path.join(folder, f"{shard:02d}.pickle")
        with open(f"{path}.{os.getpid()}", "wb") as file:
            pickle.dump((VERSION, digest, part), file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(f"{path}.{os.getpid()}", path)
