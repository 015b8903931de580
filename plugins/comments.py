"""Pelican plugin: the articles' comment threads.

Settings (all optional):

- ``NEWSROOM_COMMENTS_DATABASE_URL``: the comment store to read approved comments from
  (``sqlite:///…`` or ``postgresql://…``); empty, or a SQLite file that does not exist,
  builds without comments.
- ``NEWSROOM_COMMENTS_DEPTH``: how deep replies nest (default 3).
- ``NEWSROOM_SETTINGS_FILE``: the settings file's name, kept in the build's record so that
  `newsroom publish` can say which settings its pages were drawn with.

Every article gets ``comments`` (trees of ``CommentNode``) and ``comment_count``, read in
one query per build after the articles are read, so Pelican's content cache never holds
them. Templates get ``comment_region(kind, article)``: each part of a page that shows an
article's comments (kinds: ``head``, ``jsonld``, ``thread``, ``teaser``, ``archive``),
drawn between markers that a publish redraws; ``COMMENTS_FEED`` (the site's comment
feed), and the comment form as ``newsroom/comment_form.html``. After the articles are
written, the build writes ``threads.json`` for the comment service, each article's
comment feed and JSON, the site's comment feed, and the record publishes work from
(``.newsroom/``).
"""

import logging

from pelican import signals

from newsroom.site import comments

logger = logging.getLogger(__name__)


def attach_comments(generator) -> None:
    settings = generator.settings
    url = settings.get("NEWSROOM_COMMENTS_DATABASE_URL", "")
    generator.context[comments.REGIONS].reading()
    try:
        approved = comments.load_approved(url)
    except Exception as exc:
        # Building on would publish pages without their comments: stop, and say why.
        raise RuntimeError(f"could not read approved comments from the store: {exc}") from exc
    comments.attach(generator.articles, approved, comments.depth(settings))


def add_to_templates(generator) -> None:
    # One Regions a build, whichever generator's templates draw them.
    regions = generator.context.get(comments.REGIONS)
    if regions is None:
        regions = generator.context[comments.REGIONS] = comments.Regions(generator.settings)
    comments.add_to_templates(generator.env, regions)


def note_page(path, context) -> None:
    regions = context.get(comments.REGIONS)
    if regions is not None:
        regions.written(path)


def write_manifest(generator, writer) -> None:
    settings = generator.settings
    path = comments.write_manifest(
        generator.output_path,
        generator.articles,
        settings.get("SITEURL", ""),
        settings.get("SITENAME", ""),
    )
    logger.info("Writing %s", path)


def write_files(generator, writer) -> None:
    regions = generator.context[comments.REGIONS]
    written = comments.write_files(generator.output_path, generator.articles, regions)
    for path in written:
        logger.debug("Writing %s", path)
    url = generator.settings.get("NEWSROOM_COMMENTS_DATABASE_URL", "")
    comments.publish_what_changed_since(url, regions.read_at)


def register() -> None:
    signals.generator_init.connect(add_to_templates)
    signals.content_written.connect(note_page)
    signals.article_generator_finalized.connect(attach_comments)
    signals.article_writer_finalized.connect(write_manifest)
    signals.article_writer_finalized.connect(write_files)
