"""Articles read on every core, and kept read from one build to the next.

Pelican reads articles one at a time in one process, and its content cache keeps only
what a reader returned: every build still makes every article object anew (0.4 ms an
article, 20 s at 50,000). Here the articles are kept pickled in CACHE_PATH, in 64 shards,
each one pickle of its articles with each file's size and mtime, the site's settings and
context left out (they are the same objects in every process). Before Pelican's loop, a
shard whose files are new, changed or gone is made again in a forked process
(processes.py): its files that changed are read as Pelican reads them, the others taken
from the shard as it was. Every shard is then unpickled whole (40% less time an article
than a pickle each), and Pelican's loop is handed the files listed and the articles
(its generator's ``get_files`` and ``get_cached_data``), so it reads none itself and asks
no file's mtime again.

A file that cannot be read, or that Pelican would skip, is left to Pelican, which reads
it and reports it as it always has. What a read logs is logged again by the build's own
process, in the files' order. The cache is dropped when the settings, our code or the
readers' versions change (fingerprints.site_digest); ``--ignore-cache`` reads everything.
Drafts are not kept (one dated ahead becomes due), and an article from the cache gets
no ``content_object_init`` again: what its receivers set was kept with it.

The cache holds pickles, which run code when read: whoever can write CACHE_PATH can run
code in the build, as whoever can write pelicanconf.py can. It is made private (0700,
shards.py).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import logging
import os
import pickle
import zlib
from typing import Any, NamedTuple

from pelican import signals
from pelican.contents import Article
from pelican.log import FilteredMessage, LimitFilter
from pelican.readers import SkipStub

from newsroom.site import articles, processes, shards
from newsroom.site.fingerprints import site_digest

logger = logging.getLogger(__name__)
FOLDER = "newsroom-articles"  # in CACHE_PATH
SHARDS = 64  # files, so that a changed article rewrites a sixty-fourth of the cache
VERSION = 4  # 2: a pickle a shard; 3: shards.py's layout; 4: the read save_as
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
    method = settings.get("CHECK_MODIFIED_METHOD", "mtime")
    stamps: dict[int, dict[str, Stamp | None]] = {shard: {} for shard in range(SHARDS)}
    for name in sorted(listed):
        stamps[_shard(name)][name] = _stamp(os.path.join(generator.path, name), method)
    changed = [n for n in range(SHARDS) if n not in kept or kept[n].stamps != stamps[n]]
    _skip_unused_reader_cache(generator.readers)
    made = processes.map_in_processes(
        lambda shard: _remake(generator, stamps[shard], kept.get(shard)),
        changed,
        processes.count(settings, len(listed)),
        chunk=1,
    )
    logged = []
    for shard, (remade, records) in zip(changed, made, strict=True):
        kept[shard] = remade
        logged += records
    del made  # kept holds the shards now, and lets each go once it is read
    for _, records in sorted(logged, key=lambda entry: entry[0]):
        for record in records:
            _log_again(record)
    if changed and settings.get("CACHE_CONTENT"):
        _save(cache_path, digest, kept, changed)
    ready = _unpickle(kept, {"settings": settings, "context": generator.context})
    _hand_over(generator, listed, ready)
    logger.info(
        "Articles: %d read, %d as the last build read them", len(logged), len(listed) - len(logged)
    )


def _skip_unused_reader_cache(readers) -> None:
    """With Pelican's reader-level cache off (CONTENT_CACHING_LAYER is ours), its read_file
    still asks each file's mtime twice, for a cache it then neither reads nor writes."""
    if not getattr(readers, "_cache_data_policy", True) and not getattr(readers, "_cache", {}):
        readers.get_cached_data = lambda filename, default=None: default
        readers.cache_data = lambda filename, data: None


class Shard(NamedTuple):
    stamps: dict[str, Stamp | None]  # every file of the shard, as it was when read
    pickled: bytes  # {file: article} (a file Pelican reads itself has none)


def _remake(generator, stamps: dict[str, Stamp | None], last: Shard | None) -> tuple:
    """In a worker: a shard made again, its files that changed read, and what each read
    logged: (Shard, [(file, records)])."""
    shared = {"settings": generator.settings, "context": generator.context}
    before = _Unpickler(io.BytesIO(last.pickled), shared).load() if last else {}
    found, logged = {}, []
    for name, stamp in stamps.items():
        if last is not None and stamp is not None and last.stamps.get(name) == stamp:
            article = before.get(name)
        else:
            article, records = _read(generator, name)
            logged.append((name, records))
        if article is not None:
            article.newsroom_stamp = stamp  # the file as it was read
            found[name] = article
    ids = {id(generator.settings): "settings", id(generator.context): "context"}
    try:
        pickled = _pickled(found, ids)
    except Exception:  # an article a plugin gave what pickle cannot take: Pelican's to read
        pickled = _pickled({n: a for n, a in found.items() if _can_pickle(a, ids)}, ids)
    return Shard(stamps, pickled), logged


def _pickled(found: dict, ids: dict[int, str]) -> bytes:
    file = io.BytesIO()
    _Pickler(file, ids).dump(found)
    return file.getvalue()


def _can_pickle(article: Article, ids: dict[int, str]) -> bool:
    try:
        _pickled({"": article}, ids)
    except Exception:
        return False
    return True


def _unpickle(kept: dict[int, Shard], shared: dict[str, Any]) -> dict[str, Article]:
    """The articles, each shard's pickle let go once read (they weigh as much)."""
    ready: dict[str, Article] = {}
    gc.collect()  # what reading left (a Markdown reader is a cycle), before the freeze
    processes.hold_heap()  # millions of objects made, none garbage: no collection walks them
    try:
        for shard in sorted(kept):
            ready.update(_Unpickler(io.BytesIO(kept.pop(shard).pickled), shared).load())
        for article in ready.values():
            articles.keep_relative_path(article)  # Pelican's loop asks for it (40 µs)
    finally:
        processes.hold_heap()  # the articles live to the build's end
    return ready


def _hand_over(generator, listed: set[str], ready: dict[str, Article]) -> None:
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


def _read(generator, name: str) -> tuple[Article | None, list[logging.LogRecord]]:
    """In a worker: one article as Pelican's loop reads it, and what was logged (None,
    and nothing logged, for a file Pelican must read and report itself)."""
    caught = _Caught()
    root = logging.getLogger()
    handlers, root.handlers = root.handlers, [caught]
    seen = LimitFilter._raised_messages.copy(), LimitFilter._group_count.copy()
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
    except Exception:
        return None, []
    finally:
        root.handlers = handlers
        _forget_since(*seen)
    return article, caught.records


def _forget_since(raised: set, counted: dict) -> None:
    """Pelican's loggers drop a message they have let through once (``LimitFilter``):
    what a read logged is caught here, to be logged again in the files' order, so they
    must not remember it (in the build's own process, they would drop it then)."""
    LimitFilter._raised_messages.clear()
    LimitFilter._raised_messages.update(raised)
    LimitFilter._group_count.clear()
    LimitFilter._group_count.update(counted)


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


def _load(cache_path: str, digest: bytes) -> dict[int, Shard]:
    """Every shard kept, or none if one cannot be read or was made otherwise."""
    found = shards.load(
        os.path.join(cache_path, FOLDER), SHARDS, (VERSION, digest), "Reading every article"
    )
    return {n: Shard(*payload) for n, payload in (found or {}).items()}


def _save(cache_path: str, digest: bytes, kept: dict[int, Shard], changed: list[int]) -> None:
    """The shards made again, each replaced whole."""
    payloads = {n: tuple(kept[n]) for n in changed}
    shards.save(os.path.join(cache_path, FOLDER), payloads, (VERSION, digest))
