"""Pelican's lists of a category's, tag's, author's or period's articles, in linear time.

Pelican 4.12 finds them by asking of every article whether it is in a plain list
(``article in articles``): work that grows with the square of the archive. At 50,000
articles in one category that is 1.25 billion comparisons for the category's page, as
many for the one author's, and 2.5 billion for the year archives. Here the lists answer
``in`` from a set, and period archives are grouped in one pass. Upstream, the same fix is
a set in each of those comprehensions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

logger = logging.getLogger(__name__)


class Members(list):
    """A list of articles that answers ``in`` from the articles' identities."""

    def __init__(self, items: Iterable = ()):
        super().__init__(items)
        self._ids = {id(item) for item in self}

    def __contains__(self, item: object) -> bool:
        if len(self._ids) != len(self):  # changed since (no plugin of ours does)
            self._ids = {id(each) for each in self}
        return id(item) in self._ids


def index_taxonomies(generator) -> None:
    """Make the category, author and tag lists ``Members``, in place: the context holds
    the same objects (``article_generator_finalized``)."""
    for pairs in (generator.categories, generator.authors):
        pairs[:] = [(name, Members(articles)) for name, articles in pairs]
    for tag, articles in generator.tags.items():
        generator.tags[tag] = Members(articles)


def linear_period_archives(build: Callable) -> Callable:
    """Pelican's ``_build_period_archives``, its articles found in one pass."""

    def build_linear(sorted_articles, articles, settings):
        archives = build(sorted_articles, [], settings)  # no articles: nothing to scan
        for periods in archives.values():
            period_of = {id(a): period for period in periods for a in period["dates"]}
            for period in periods:
                period["articles"] = []
            for article in articles:  # in the articles' order, as Pelican lists them
                period = period_of.get(id(article))
                if period is not None:
                    period["articles"].append(article)
        return archives

    return build_linear


def speed_up_period_archives(generator) -> None:
    """``article_generator_init``: the generator groups its period archives linearly."""
    build = getattr(generator, "_build_period_archives", None)
    if build is None:
        logger.error("This Pelican has no _build_period_archives: archives built as it does")
        return
    generator._build_period_archives = linear_period_archives(build)


def by_year(articles: Iterable) -> list[tuple[int, list]]:
    """The ``by_year`` filter: the articles by year, the latest year first, each year's in
    the order given (Jinja's ``groupby("date.year")|reverse``, in one pass: it sorts
    with an attribute getter, half the archive page's time at 50,000 articles)."""
    years: dict[int, list] = {}
    for article in articles:
        years.setdefault(article.date.year, []).append(article)
    return sorted(years.items(), key=lambda year: year[0], reverse=True)


_urls: dict[int, tuple[object, str]] = {}  # id -> (the category, tag or author, its URL)


def url_of(wrapper) -> str:
    """The ``url`` filter: a category's, tag's or author's URL, worked out once a build
    (Pelican formats it from the settings on every access: each page's menu and teasers
    asked a million times at 50,000 articles). Kept with the object, so an id is never
    another's."""
    kept = _urls.get(id(wrapper))
    if kept is None or kept[0] is not wrapper:
        kept = _urls[id(wrapper)] = (wrapper, wrapper.url)
    return kept[1]


def forget_urls() -> None:
    """``article_generator_init``: a build of its own (``pelican -r`` builds again in one
    process, with new objects, and maybe new settings)."""
    _urls.clear()
