"""Pelican's writer, drawing pages on every core and only those whose inputs changed.

``write_file`` collects pages (paginated as Pelican paginates) and claims their files
under Pelican's rules for writing one file twice; ``finish`` then draws them: a page whose
key (fingerprints.py) and file are those the last build left is kept, the others are drawn
in forked processes (processes.py), each written as Pelican writes it, with its
``content_written`` signal sent in the process that drew it. Observers (the comment
regions) learn from each page what was drawn into it, whether drawn now or kept.

``finish`` runs when a generator's writing is done (``article_writer_finalized``,
``page_writer_finalized``) and before anything that reads the pages.
"""

from __future__ import annotations

import io
import logging
import os
import weakref
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, ClassVar, NamedTuple, Protocol

from pelican.paginator import Page, Paginator
from pelican.plugins import signals
from pelican.utils import get_relative_path, path_to_url
from pelican.writers import FileOverwriteFailedError, Writer

from newsroom.site import page_record, processes
from newsroom.site.fingerprints import Fingerprints, hash_bytes, site_digest
from newsroom.site.remembered import Remembered

logger = logging.getLogger(__name__)
OBSERVERS = "newsroom_page_observers"  # in Pelican's context: who learns of each page


class PageObserver(Protocol):
    """Something a page's drawing tells about it (the comment regions drawn into it)."""

    note_key: str

    def page_written(self, page: str) -> Any:
        """In the process that drew the page (its path from the output folder, with /),
        right after: what to note of it."""

    def page_kept(self, page: str, note: Any) -> None:
        """In the build's own process, for every page: drawn now or kept from the last."""


def finish_all() -> None:
    """``finalized``: pages still waiting (a generator that sends no signal when done)
    drawn now, the last build's files that this one did not make removed, and the
    collector running again."""
    for writer in list(PageWriter.unfinished):
        writer.finish()
        writer.remove_unmade()
        writer.save_record()
        PageWriter.unfinished.discard(writer)
    processes.release_heap()


def observe(context: dict, observer: PageObserver) -> None:
    """Tell ``observer`` of every page this build writes."""
    context.setdefault(OBSERVERS, []).append(observer)


class PageError(RuntimeError):
    """A page could not be drawn; the message names it and the file it came from."""


class Pending(NamedTuple):
    path: str  # where it goes, under the output folder
    relative: str  # the same, from the output folder (with /)
    template: Any
    context: dict  # the generator's, shared by the pages (not copied until drawn)
    own: dict  # this page's variables, pagination's included


class Made(NamedTuple):
    """A file besides the pages, made by ``make`` from what ``key`` digests."""

    relative: str  # from the output folder, with /
    key: bytes
    make: Callable[[], bytes]


class PageWriter(Writer):
    unfinished: ClassVar[weakref.WeakSet[PageWriter]] = weakref.WeakSet()

    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        PageWriter.unfinished.clear()  # a build that failed (pelican -r) is done with
        PageWriter.unfinished.add(self)
        self._base = os.path.abspath(output_path)
        self.processes = processes.count(self.settings)
        self._pending: dict[str, Pending] = {}
        self._load = bool(self.settings.get("LOAD_CONTENT_CACHE"))
        self._save = bool(self.settings.get("CACHE_CONTENT"))
        self._cache_path = self.settings.get("CACHE_PATH", "cache")
        last = page_record.load(self._cache_path, self._base)
        self.record = dict(last) if self._load else {}  # what may be kept
        self._last = last  # what the record holds
        self._made_before = set(last)  # what may have to go: with --ignore-cache too
        self._fingerprints: Fingerprints | None = None
        self._remembered: dict[str, Remembered] = {}
        self._site_digest: bytes | None = None
        self._folders: set[str] = set()  # made in this process (_folder_for)

    def write_file(
        self,
        name,
        template,
        context,
        relative_urls=False,
        paginated=None,
        template_name=None,
        override_output=False,
        url=None,
        **kwargs,
    ):
        """Pelican's ``write_file``, the page (or pages) kept for ``finish``."""
        if not name:
            return
        for save_as, variables in _pages(
            self.settings, name, url, paginated, template_name, kwargs
        ):
            own = {"localsiteurl": context.get("localsiteurl", None), "output_file": save_as}
            if relative_urls:
                own["SITEURL"] = own["localsiteurl"] = path_to_url(get_relative_path(save_as))
            own.update(variables)  # as Pelican: the caller's variables win
            path, relative = self._inside(save_as)
            if self._claim(path, override_output):
                self._pending[path] = Pending(path, relative, template, context, own)

    def _inside(self, save_as: str) -> tuple[str, str]:
        """A file's path, and its path from the output folder (with /): Pelican's
        ``sanitised_join``, refusing a path outside the output folder, made cheaper."""
        path = os.path.normpath(os.path.join(self._base, save_as))
        if not path.startswith(self._base + os.sep):
            raise RuntimeError(f"Attempted to break out of output directory to {path}")
        return path, path[len(self._base) + 1 :].replace(os.sep, "/")

    def _relative(self, path: str) -> str:
        inside = path.startswith(self._base + os.sep)
        relative = path[len(self._base) + 1 :] if inside else os.path.relpath(path, self._base)
        return relative.replace(os.sep, "/")

    def _open_w(self, filename, encoding, override=False):
        """Pelican's file opener (its feeds use it): the file written on closing, and only
        when its bytes changed."""
        if not self._claim(filename, override):
            return open(os.devnull, "w", encoding=encoding)
        return _WrittenWhenChanged(self, filename, encoding)

    def _claim(self, path: str, override: bool) -> bool:
        """Pelican's rules (``Writer._open_w``) for a file written twice in one build."""
        if path in self._overridden_files:
            if override:
                raise RuntimeError(f"File {path} is set to be overridden twice")
            logger.info("Skipping %s", path)
            return False
        if path in self._written_files:
            if not override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{path}" as Pelican has already written to it '
                    "previously (set `override=True` if intended)"
                )
            logger.info('Overwriting "%s"', path)
            self._pending.pop(path, None)
        if override:
            self._overridden_files.add(path)
        self._written_files.add(path)
        return True

    def finish(self) -> None:
        """Draw the pages collected so far (or keep them); observers hear of each."""
        pages = list(self._pending.values())
        self._pending.clear()
        if not pages:
            return
        fingerprints = self.fingerprints(pages[0].context)
        fingerprints.new_round()
        self.processes = processes.count(self.settings, len(pages[0].context.get("articles", ())))
        kinds = {(id(p.template), tuple(p.own), id(p.context)): p for p in pages}  # a page each
        fingerprints.prepare(
            ((p.template, p.own, p.context) for p in kinds.values()), self.processes
        )
        observers = pages[0].context.get(OBSERVERS, ())
        results = processes.map_in_processes(self._draw, pages, self.processes)
        for page, (_, drawn) in zip(pages, results, strict=True):
            for observer in observers:
                observer.page_kept(page.relative, drawn.notes.get(observer.note_key))
            self.record[page.relative] = drawn
        drawn_now = sum(was_drawn for was_drawn, _ in results)
        logger.info("Pages: %d drawn, %d kept as they were", drawn_now, len(pages) - drawn_now)

    def fingerprints(self, context: dict) -> Fingerprints:
        """The build's digests (of the site, its articles, its pages)."""
        if self._fingerprints is None:
            self._fingerprints = Fingerprints(self._site(), context)
        return self._fingerprints

    def _site(self) -> bytes:
        if self._site_digest is None:
            theme = os.path.join(self.settings.get("THEME", ""), "templates")
            overrides = self.settings.get("THEME_TEMPLATES_OVERRIDES", [])
            folders = [theme, *overrides, *self.settings.get("PLUGIN_PATHS", [])]
            self._site_digest = site_digest(self.settings, folders)
        return self._site_digest

    def remembered(self, name: str) -> Remembered:
        """Values worked out of each article, by its fingerprint, kept for the next
        build (saved with the page record)."""
        found = self._remembered.get(name)
        if found is None:
            folder = os.path.join(self._cache_path, f"newsroom-{name}")
            found = self._remembered[name] = Remembered(folder, self._site(), self._load)
        return found

    def write_bytes(self, relative: str, data: bytes) -> bool:
        """A file besides the pages (a comment feed, say), written only when its bytes
        differ from the file the last build left; True when written."""
        return self.write_all({relative: data}) == 1

    def write_all(self, files: dict[str, bytes]) -> int:
        """Files besides the pages, each written only when its bytes changed, by all the
        build's processes (creating files is most of their cost); how many were written."""
        return self.write_made(
            Made(relative, hash_bytes(data), partial(_given, data))
            for relative, data in files.items()
        )

    def write_made(self, files: Iterable[Made]) -> int:
        """Files besides the pages, made only when their key is not the one the last
        build made them from (or the file changed since), and written only when their
        bytes changed, by all the build's processes; how many were written."""
        found = {(inside := self._inside(made.relative))[0]: (*inside, made) for made in files}
        items = list(found.values())  # one file made twice (a shared folder): the last
        results = processes.map_in_processes(self._write_made, items, self.processes)
        for (path, relative, _), (_, drawn) in zip(items, results, strict=True):
            self._written_files.add(path)
            self.record[relative] = drawn
        return sum(written for written, _ in results)

    def _write_made(self, item: tuple[str, str, Made]) -> tuple[bool, page_record.Drawn]:
        path, relative, made = item
        last = self.record.get(relative)
        if last is not None and last.key == made.key and page_record.still_there(path, last):
            return False, last
        data = made.make()
        return self._write_changed(path, relative, made.key, hash_bytes(data), data)

    def unchanged(self, relative: str, key: bytes) -> bool:
        """For a file the caller writes itself: True (and the file counted as made) when
        the last build made it from ``key`` and it is as that build left it."""
        path, relative = self._inside(relative)
        last = self.record.get(relative)
        if last is None or last.key != key or not page_record.still_there(path, last):
            return False
        self._written_files.add(path)
        return True

    def made(self, relative: str, key: bytes) -> None:
        """A file the caller has just written from ``key``, kept in the record."""
        path, relative = self._inside(relative)
        self._written_files.add(path)
        self.record[relative] = page_record.drawn(path, key, key, {})

    def remove_unmade(self) -> None:
        """The files the last build wrote and this one did not: an article taken down, a
        page of a listing that shrank. Removed even if a publish rewrote them since; never
        a link, nor anything outside the output folder."""
        made = {self._relative(path) for path in self._written_files}
        for relative in sorted((self._made_before | self.record.keys()) - made):
            self.record.pop(relative, None)
            try:
                path = self._inside(relative)[0]  # never outside the output, whatever it says
            except RuntimeError:
                continue
            if os.path.isfile(path) and not os.path.islink(path):  # a publish may have redone it
                os.remove(path)
                logger.info('Removing "%s": this build does not make it', path)

    def _write_changed(
        self, path: str, relative: str, key: bytes, digest: bytes, data: bytes, notes=None
    ) -> tuple[bool, page_record.Drawn]:
        """Write ``data`` unless the file holds it already (as the record says)."""
        last = self.record.get(relative)
        if last is not None and last.content == digest and page_record.still_there(path, last):
            return False, last._replace(key=key, notes=notes or {})
        self._folder_for(path)
        written = _write_over(path, data)
        logger.info('Writing "%s"', path)
        return True, page_record.drawn(path, key, digest, notes or {}, written)

    def _folder_for(self, path: str) -> None:
        """The file's folder made, once per process (a page's folder holds its comment
        files too): os.makedirs asks the file system two or three times each call."""
        folder = os.path.dirname(path)
        if folder in self._folders:
            return
        try:
            os.mkdir(folder)
        except FileNotFoundError:  # its parent first
            os.makedirs(folder, exist_ok=True)
        except FileExistsError:
            if not os.path.isdir(folder):
                raise
        self._folders.add(folder)

    def save_record(self) -> None:
        if self._save:
            page_record.save(self._cache_path, self._base, self.record, self._last)
            for remembered in self._remembered.values():
                remembered.save()

    def _draw(self, page: Pending) -> tuple[bool, page_record.Drawn]:
        """One page: kept when nothing it is drawn from changed, else drawn and written;
        an error names the page and its article's file."""
        try:
            return self._keep_or_draw(page)
        except Exception as exc:
            raise PageError(f"{page.path}{_from(page.own)}: {type(exc).__name__}: {exc}") from exc

    def _keep_or_draw(self, page: Pending) -> tuple[bool, page_record.Drawn]:
        assert self._fingerprints is not None
        context, relative = page.context, page.relative
        key = self._fingerprints.page_key(page.template, page.own, context)
        last = self.record.get(relative)
        if last is not None and last.key == key and page_record.still_there(page.path, last):
            return False, last
        local = context.copy()
        local.update(page.own)
        if local["localsiteurl"]:  # as Pelican: its Contents draw links for this page
            context["localsiteurl"] = local["localsiteurl"]
        output = page.template.render(local).encode()
        notes = {o.note_key: o.page_written(relative) for o in context.get(OBSERVERS, ())}
        written, drawn = self._write_changed(
            page.path, relative, key, hash_bytes(output), output, notes
        )
        if written:
            signals.content_written.send(page.path, context=local)
        return True, drawn


def _write_over(path: str, data: bytes) -> os.stat_result:
    """Write a file, never through a link there (one planted in the output would send the
    build's bytes elsewhere): a link is replaced by the file. The file as written."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        handle = os.open(path, flags, 0o666)
    except OSError as exc:
        if not os.path.islink(path):
            raise exc from None
        os.unlink(path)
        handle = os.open(path, flags, 0o666)
    try:
        view = memoryview(data)
        while view:  # os.write may write less than asked
            view = view[os.write(handle, view) :]
        return os.fstat(handle)
    finally:
        os.close(handle)


class _WrittenWhenChanged(io.StringIO):
    def __init__(self, writer: PageWriter, path: str, encoding: str):
        super().__init__()
        self.writer, self.path, self.file_encoding = writer, path, encoding

    def close(self) -> None:
        if not self.closed:
            relative = self.writer._relative(self.path)
            self.writer.write_bytes(relative, self.getvalue().encode(self.file_encoding))
        super().close()


def _given(data: bytes) -> bytes:
    return data


def _from(own: dict) -> str:
    content = own.get("article") or own.get("page")
    source = getattr(content, "source_path", None)
    return f" (from {source})" if source else ""


def _pages(settings, name, url, paginated, template_name, kwargs):
    """(save_as, variables) for each page of a ``write_file`` call, as Pelican paginates."""
    if paginated is None:
        paginated = {key: val for key, val in kwargs.items() if key in {"articles", "dates"}}
    if not (paginated and template_name in settings["PAGINATED_TEMPLATES"]):
        yield name, dict(kwargs)
        return
    per_page = settings["PAGINATED_TEMPLATES"][template_name] or settings["DEFAULT_PAGINATION"]
    paginators = {
        key: Paginator(name, url, val, settings, per_page) for key, val in paginated.items()
    }
    made: dict[tuple[str, int], Page] = {}  # a page is its neighbours' neighbour: made once

    def page_of(key: str, number: int) -> Page:
        if (key, number) not in made:
            made[key, number] = paginators[key].page(number)
        return made[key, number]

    for number in range(next(iter(paginators.values())).num_pages):
        own = dict(kwargs)
        for key, paginator in paginators.items():
            page = page_of(key, number + 1)
            own[f"{key}_paginator"] = paginator
            own[f"{key}_page"] = page
            own[f"{key}_previous_page"] = page_of(key, number) if number > 0 else None
            last = number + 1 >= paginator.num_pages
            own[f"{key}_next_page"] = None if last else page_of(key, number + 2)
        yield page.save_as, own
