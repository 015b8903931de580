"""Pelican plugin: a build that uses every core and keeps the pages that did not change.

Settings (optional):

- ``NEWSROOM_BUILD_PROCESSES``: how many processes read articles and draw pages; 0 (the
  default) for one per CPU from 20,000 articles and one below, 1 for the build's own
  process alone.

Articles are read in forked processes and kept read between builds
(``newsroom.site.article_cache``); pages are drawn in forked processes
(``newsroom.site.page_writer``). When Pelican loads its content cache
(``LOAD_CONTENT_CACHE``), an article whose file did not change is not read again, and a
page drawn from what the last build drew it from is kept as it is. Pelican's lists of a
category's, author's, tag's or period's articles are found in linear time
(``newsroom.site.listings``), and each article's and page's URL is worked out once
(``newsroom.site.articles.keep_urls``). Templates get the ``by_year`` filter (articles
grouped by year in one pass) and the ``url`` filter (a category's, tag's or author's URL,
worked out once), and are not checked for changes while the build runs.
"""

from pelican import signals

from newsroom.site import article_cache, articles, listings, page_writer, processes


def get_writer(pelican):
    return page_writer.PageWriter


def finish(generator, writer) -> None:
    if isinstance(writer, page_writer.PageWriter):
        writer.finish()


def finish_all(pelican) -> None:
    page_writer.finish_all()


def forget_last_build(pelican) -> None:
    processes.forget_last_build()


def forget_urls(generator) -> None:
    listings.forget_urls()


def keep_urls(generator) -> None:
    articles.keep_urls(generator)


def keep_page_urls(generator) -> None:
    articles.keep_page_urls(generator)


def attach_now(generators) -> None:
    articles.attach_now(generators)


def add_filters(generator) -> None:
    generator.env.filters["by_year"] = listings.by_year
    generator.env.filters["url"] = listings.url_of
    # A build's templates do not change while it runs (`pelican -r` makes new generators):
    # no stat of a template and all it includes for every page drawn.
    generator.env.auto_reload = False


def register() -> None:
    signals.initialized.connect(forget_last_build)
    signals.get_writer.connect(get_writer)
    signals.generator_init.connect(add_filters)
    signals.article_generator_init.connect(forget_urls)
    signals.article_generator_init.connect(listings.speed_up_period_archives)
    signals.article_generator_init.connect(article_cache.read_ahead)
    signals.article_generator_finalized.connect(listings.index_taxonomies)
    signals.article_generator_finalized.connect(keep_urls)
    signals.page_generator_finalized.connect(keep_page_urls)
    signals.all_generators_finalized.connect(attach_now)
    signals.article_writer_finalized.connect(finish)
    signals.page_writer_finalized.connect(finish)
    signals.finalized.connect(finish_all)
