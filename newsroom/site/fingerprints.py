"""What a page is drawn from, as a digest: equal digests, equal pages.

A page's key covers the site (settings, theme, our code, Pelican's version), its template,
and the value of every variable its templates name (found in their source, following
``extends``, ``include`` and ``import``). An article counts by its
file as read (size and mtime) and what is set on it after reading (slug, URL, status,
taxonomies, comments); lists and paginated pages by their items. Two
shortcuts keep an article's change from touching every page:

* the taxonomy lists every page's menu walks (``categories``, ``tags``, ``authors``: pairs
  of a name and its articles) count by their names and members, not the members' text;
* a paginator counts by its size, not by the whole list it pages through, and a page's
  neighbours (``articles_previous_page``, ``articles_next_page``) by their numbers.

So a template that shows an article's title through those pairs would keep a stale page;
the theme shows only names and counts there. A value whose form is unknown counts by its
``repr``: if that holds an address, the page is drawn every time (slow, never stale).
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
from collections.abc import Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version
from types import FunctionType, MethodType
from typing import Any

from jinja2 import Environment, TemplateNotFound, meta
from pelican.contents import Content
from pelican.paginator import Page, Paginator
from pelican.urlwrappers import URLWrapper

from newsroom.site.processes import map_in_processes

# Settings that change how a build runs, not what it writes.
HOW_NOT_WHAT = frozenset(
    {
        "NEWSROOM_BUILD_PROCESSES",
        "CACHE_CONTENT",
        "LOAD_CONTENT_CACHE",
        "CACHE_PATH",
        "GZIP_CACHE",
        "CHECK_MODIFIED_METHOD",
        "CONTENT_CACHING_LAYER",
        "DELETE_OUTPUT_DIRECTORY",
        "OUTPUT_RETENTION",
        "WRITE_SELECTED",
        "LOG_FILTER",
    }
)
SCALARS = (str, bool, int, float)
CONTAINERS = (list, tuple, dict)
# Attributes of an article that are not its own: the whole site's, or other articles.
NOT_ITS_OWN = frozenset({"settings", "_context", "translations"})
CODE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # newsroom/
NEIGHBOURS = ("_previous_page", "_next_page")  # a paginated page's neighbours, by number
RENDERING = (
    "pelican",
    "markdown",
    "jinja2",
    "markupsafe",
    "pygments",
    "typogrify",
)  # their versions count


def hash_bytes(*parts: bytes) -> bytes:
    return hashlib.blake2b(b"\0".join(parts) + b"\0", digest_size=16).digest()


def tree_digest(folders: Iterable[str]) -> bytes:
    """Every file under the folders, by path and bytes (the theme, the code)."""
    return hash_bytes(*map(_folder_digest, folders))


@functools.cache  # a build asks twice (articles, then pages) for our code's
def _folder_digest(folder: str) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = os.path.join(root, name)
            digest.update(os.path.relpath(path, folder).encode() + b"\0")
            with open(path, "rb") as file:
                digest.update(hashlib.blake2b(file.read(), digest_size=16).digest())
    return digest.digest()


def site_digest(settings: dict, folders: Iterable[str]) -> bytes:
    """The settings, our code and the folders' files (theme, plugins), the renderers'
    versions: what every article and page is made with."""
    what = {k: v for k, v in settings.items() if k.isupper() and k not in HOW_NOT_WHAT}
    return hash_bytes(
        Fingerprints(b"", {}).value(what),
        tree_digest([*folders, CODE]),
        f"Python {platform.python_version()}".encode(),
        *(f"{name} {_version(name)}".encode() for name in RENDERING),
    )


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "none"


class Fingerprints:
    """One build's digests: the site's once, each article's once, each page's key."""

    def __init__(self, site: bytes, context: Mapping):
        self.site = site  # site_digest's, with the theme
        self._memo: dict[int, tuple[object, bytes]] = {}  # id -> (the object kept, digest)
        self._names: dict[str, frozenset[str] | None] = {}
        self._context = context
        self._links: bytes | None = None
        self._shared: dict[tuple[str, tuple[str, ...], int], bytes] = {}
        self._prepared: set[int] = set()  # the generated_content dicts digested

    def page_key(self, template, own: Mapping, context: Mapping) -> bytes:
        """The key of one page: the site, the template, what its variables hold (the
        page's ``own`` first, then the context's: Pelican's order, without a copy)."""
        names = self.names(template.environment, template.name)
        if names is None:  # a template it names only while rendering: draw it every time
            return os.urandom(16)
        mine = tuple(sorted(own.keys() & names))
        parts = [self._shared_part(template.name, names, mine, context)]
        for name in mine:
            parts += [name.encode(), self._named(name, own[name])]
        return hash_bytes(*parts)

    def new_round(self) -> None:
        """Pages about to be keyed: the context's values are read afresh (a generator
        may have changed them since the last pages were drawn)."""
        self._shared.clear()
        self._prepared.clear()

    def prepare(self, pages: Iterable[tuple[Any, Mapping, Mapping]], processes: int = 1) -> None:
        """Digest every article (in ``processes``), and what the pages' templates take
        from the context, once, before the pages are keyed: each worker would otherwise
        digest every article anew (an index page lists them all). One page of each kind
        (template, variables, context) is enough."""
        for template, own, context in pages:
            contents = context.get("generated_content", {})  # shared by the context's copies
            if id(contents) not in self._prepared:
                self._prepared.add(id(contents))
                self._digest_contents(contents.values(), processes)
            names = self.names(template.environment, template.name)
            if names is not None:
                mine = tuple(sorted(own.keys() & names))
                self._shared_part(template.name, names, mine, context)

    def _digest_contents(self, contents: Iterable, processes: int) -> None:
        new = [c for c in contents if isinstance(c, Content) and id(c) not in self._memo]
        if processes > 1 and any(map(links_marked, new)):
            self.links  # noqa: B018 (worked out here, once, not in every worker)
        for content, digest in zip(
            new, map_in_processes(self._content, new, processes), strict=True
        ):
            self._memo[id(content)] = (content, digest)

    def _shared_part(
        self, template_name: str, names: frozenset[str], mine: tuple[str, ...], context: Mapping
    ) -> bytes:
        """The site, the template and the variables taken from the context: the same for
        every page of a template that sets the same variables itself."""
        memo = (template_name, mine, id(context))  # a context lives through the build
        found = self._shared.get(memo)
        if found is None:
            parts = [self.site, template_name.encode()]
            for name in sorted(names):
                if name not in mine and name in context:
                    parts += [name.encode(), self._named(name, context[name])]
            found = self._shared[memo] = hash_bytes(*parts)
        return found

    def _named(self, name: str, value: object) -> bytes:
        if isinstance(value, Page) and name.endswith(NEIGHBOURS):  # linked to, not shown
            return str(value.number).encode()
        return self.value(value)

    def names(self, env: Environment, name: str) -> frozenset[str] | None:
        """The variables a template and the templates it uses name (None when it uses one
        it names only while rendering)."""
        if name not in self._names:
            self._names[name] = self._walk(env, name, set())
        return self._names[name]

    def _walk(self, env: Environment, name: str, seen: set[str]) -> frozenset[str] | None:
        if name in seen:
            return frozenset()
        seen.add(name)
        try:
            source = env.loader.get_source(env, name)[0] if env.loader else ""
        except TemplateNotFound:  # included "ignore missing": draws nothing
            return frozenset()
        ast = env.parse(source)
        names = set(meta.find_undeclared_variables(ast))
        for used in meta.find_referenced_templates(ast):
            found = None if used is None else self._walk(env, used, seen)
            if found is None:
                return None
            names |= found
        return frozenset(names)

    def value(self, value: object) -> bytes:
        """A digest of what a template can show of a value."""
        kept = self._memo.get(id(value))  # first: asked of every article many times
        if kept is not None and kept[0] is value:
            return kept[1]
        if value is None or isinstance(value, SCALARS):
            return repr(value).encode()
        if isinstance(value, CONTAINERS):  # the menus' lists: once a build
            return self._memoised(value, self._container)
        if isinstance(value, Content):
            return self._memoised(value, self._content)
        return self._other(value)

    def _memoised(self, value, digest) -> bytes:
        kept = self._memo.get(id(value))
        if kept is None or kept[0] is not value:
            kept = self._memo[id(value)] = (value, digest(value))
        return kept[1]

    def _container(self, value) -> bytes:
        if isinstance(value, dict):
            items = sorted(value.items(), key=lambda item: repr(item[0]))
            return hash_bytes(b"dict", *(self.value(k) + self.value(v) for k, v in items))
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], URLWrapper):
            name, members = value  # a category and its articles: names and members only
            return hash_bytes(self._other(name), self._memoised(members, _identities))
        return hash_bytes(type(value).__name__.encode(), *map(self.value, value))

    def _content(self, content: Content) -> bytes:
        """An article by its file (as Pelican's own cache tells a change: size and mtime,
        with the site's settings and code in the site's digest), and by what is set on it
        after reading: its slug and URL (unique among the others), status (a future date
        becomes due), taxonomies, comments, translations. One with intrasite links
        (``{filename}``) counts every article's URL too."""
        stamp = getattr(content, "newsroom_stamp", None)  # taken before it was read
        if stamp is None:
            try:
                found = os.stat(content.source_path)
            except (OSError, TypeError):  # no file (made by a plugin): all it holds
                return self._everything(content)
            stamp = (found.st_size, found.st_mtime_ns)
        parts = [
            repr(stamp),
            content.relative_source_path,
            content.slug,
            content.url,
            content.status,
            getattr(content, "lang", ""),
            str(getattr(content, "category", "")),
            "\1".join(map(str, getattr(content, "authors", ()))),
            "\1".join(map(str, getattr(content, "tags", ()))),
            _thread(getattr(content, "comments", None) or ()),
            *(_identity(t).decode() for t in getattr(content, "translations", ())),
        ]
        if links_marked(content):
            parts.append(self.links.hex())
        return hashlib.blake2b("\0".join(map(str, parts)).encode(), digest_size=16).digest()

    @property
    def links(self) -> bytes:
        """Every file's URL, which intrasite links resolve to (worked out once, if asked)."""
        if self._links is None:
            found = self._context.get("generated_content", {})
            pairs = sorted(f"{path} {content.url}" for path, content in found.items())
            # A static file's URL is asked of it only when a page links to it: asking
            # here would stop an {attach} link from moving it.
            statics = sorted(map(str, self._context.get("static_content", {})))
            self._links = hash_bytes(*(text.encode() for text in (*pairs, *statics)))
        return self._links

    def _everything(self, content: Content) -> bytes:
        own = sorted((k, v) for k, v in vars(content).items() if k not in NOT_ITS_OWN)
        others = (_identity(t) for t in getattr(content, "translations", ()))
        return hash_bytes(repr(own).encode(), *others, content.url.encode())

    def _other(self, value: object) -> bytes:
        if isinstance(value, URLWrapper):
            return f"{type(value).__name__}:{value.name}:{value.slug}".encode()
        if isinstance(value, Page):
            return hash_bytes(b"page", str(value.number).encode(), self.value(value.object_list))
        if isinstance(value, Paginator):
            return f"paginator:{value.count}:{value.per_page}:{value.num_pages}".encode()
        if isinstance(value, FunctionType | MethodType | type):
            code = getattr(value, "__code__", None)  # a function's body counts, not its name
            body = repr((code.co_code, code.co_consts, code.co_names)) if code else ""
            return f"{value.__module__}.{value.__qualname__}:{body}".encode()
        return f"{type(value).__qualname__}:{value!r}".encode()


def links_marked(content: Content) -> bool:
    """Whether an article's text may hold intrasite links (``{filename}``): then its pages
    follow every article's URL. Worked out when it was read, if it was cached."""
    marked = getattr(content, "newsroom_links_marked", None)
    if marked is None:
        text, summary = content._content or "", content.metadata.get("summary") or ""
        marked = "{" in text or "|" in text or "{" in summary or "|" in summary
    return marked


def _thread(nodes) -> str:
    """A comment tree as plain tuples: their repr is C's, where a dataclass's is Python's
    (100,000 comments' took seconds)."""
    if not nodes:
        return ""
    return repr([(n.depth, n.in_reply_to, tuple(n.comment), _thread(n.replies)) for n in nodes])


def _identities(contents: Iterable) -> bytes:
    return hash_bytes(*map(_identity, contents))


def _identity(content: object) -> bytes:
    return str(getattr(content, "relative_source_path", None) or id(content)).encode()
