"""Pelican plugin: correction notices and the source footer.

Settings (all optional):

- ``NEWSROOM_CORRECTIONS_HEADING``: the heading over an article's corrections.
- ``NEWSROOM_CORRECTIONS_POLICY_URL``: the corrections policy, for the publisher's
  ``correctionsPolicy`` in the structured data.

Articles get ``corrections``, ``source`` and a ``modified`` date that counts the latest
correction; templates get ``corrections_log`` (every correction, newest first), the
``news_article_json_ld`` function and the ``source_html`` and ``correction_html``
filters; feed entries carry the notes.
"""

import logging

from markupsafe import Markup
from pelican import signals

from newsroom.site import articles, feeds, jsonld, notices

logger = logging.getLogger(__name__)

DEFAULT_HEADING = "Corrections & Amplifications"


def heading(settings) -> str:
    value = settings.get("NEWSROOM_CORRECTIONS_HEADING", DEFAULT_HEADING)
    if not isinstance(value, str) or not value.strip():
        logger.error("NEWSROOM_CORRECTIONS_HEADING must be a non-empty string; using the default")
        return DEFAULT_HEADING
    return value


def on_content_init(content) -> None:
    articles.prepare(content)


def on_pretaxonomy(generator) -> None:
    articles.make_slugs_unique(generator.articles, generator.settings)


def on_articles_finalized(generator) -> None:
    generator.context["corrections_log"] = articles.corrections_log(generator.articles)


def on_generator_init(generator) -> None:
    settings = generator.settings
    env = generator.env
    env.globals["corrections_heading"] = heading(settings)
    env.globals["news_article_json_ld"] = _json_ld(settings)
    env.filters["source_html"] = _source_html
    env.filters["correction_html"] = _correction_html


def _json_ld(settings):
    def news_article_json_ld(article):
        return Markup(jsonld.script_json(jsonld.news_article(article, settings)))

    return news_article_json_ld


def _source_html(source) -> Markup:
    return Markup(notices.source_html(source))


def _correction_html(correction, date_format: str) -> Markup:
    return Markup(notices.correction_html(correction, date_format))


def on_feed_generated(context, feed) -> None:
    feeds.add_notes(feed, context.get("articles", []), context, heading(context))


def register() -> None:
    signals.content_object_init.connect(on_content_init)
    signals.article_generator_pretaxonomy.connect(on_pretaxonomy)
    signals.article_generator_finalized.connect(on_articles_finalized)
    signals.generator_init.connect(on_generator_init)
    signals.feed_generated.connect(on_feed_generated)
