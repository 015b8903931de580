"""Pelican plugin: the articles' comment threads.

Settings (all optional):

- ``NEWSROOM_COMMENTS_DATABASE_URL``: the comment store to read approved comments from
  (``sqlite:///…`` or ``postgresql://…``); empty, or a SQLite file that does not exist,
  builds without comments.
- ``NEWSROOM_COMMENTS_DEPTH``: how deep replies nest (default 3).

Every article gets ``comments`` (trees of ``CommentNode``) and ``comment_count``, read in
one query per build after the articles are read, so Pelican's content cache never holds
them; templates get ``comments_html(article)``, ``comment_feed(article)`` (its Atom feed of
comments), ``COMMENTS_FEED`` (the site's) and the comment form as
``newsroom/comment_form.html``. The build also writes ``threads.json`` for the comment
service, and the comment feeds.
"""

import logging

from markupsafe import Markup
from pelican import signals

from newsroom.site import comment_feeds, comment_html, comments

logger = logging.getLogger(__name__)


def attach_comments(generator) -> None:
    settings = generator.settings
    url = settings.get("NEWSROOM_COMMENTS_DATABASE_URL", "")
    try:
        approved = comments.load_approved(url)
    except Exception as exc:
        # Building on would publish pages without their comments: stop, and say why.
        raise RuntimeError(f"could not read approved comments from the store: {exc}") from exc
    comments.attach(generator.articles, approved, comments.depth(settings))


def add_template_function(generator) -> None:
    api = generator.settings.get("NEWSROOM_COMMENTS_API", "/api/comments")

    def comments_html(article) -> Markup:
        reply_url = comment_html.reply_base(api, article.slug)
        return Markup(comment_html.render(article.comments, article.date_format, reply_url))

    generator.env.globals["comments_html"] = comments_html
    generator.env.globals["comment_feed"] = comment_feeds.article_feed
    generator.env.globals["COMMENTS_FEED"] = comment_feeds.SITE_FEED
    comments.add_form_template(generator.env)


def write_manifest(generator, writer) -> None:
    settings = generator.settings
    path = comments.write_manifest(
        generator.output_path,
        generator.articles,
        settings.get("SITEURL", ""),
        settings.get("SITENAME", ""),
    )
    logger.info("Writing %s", path)


def write_comment_feeds(generator, writer) -> None:
    for path in comment_feeds.write(generator.output_path, generator.articles, generator.settings):
        logger.debug("Writing %s", path)


def register() -> None:
    signals.generator_init.connect(add_template_function)
    signals.article_generator_finalized.connect(attach_comments)
    signals.article_writer_finalized.connect(write_manifest)
    signals.article_writer_finalized.connect(write_comment_feeds)
