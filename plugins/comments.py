"""Pelican plugin: the articles' comment threads.

Settings (all optional):

- ``NEWSROOM_COMMENTS_DATABASE_URL``: the comment store to read approved comments from
  (``sqlite:///…`` or ``postgresql://…``); empty, or a SQLite file that does not exist,
  builds without comments.
- ``NEWSROOM_COMMENTS_DEPTH``: how deep replies nest (default 3).
- ``NEWSROOM_SETTINGS_FILE``: the settings file's name, kept in the build's record so that
  `newsroom publish` can say which settings its pages were drawn with.

Needs the ``fast_build`` plugin: its page writer tells the comment regions which page
each was drawn into. Every article gets ``comments`` (trees of ``CommentNode``) and
``comment_count``, read in one query per build after the articles are read, so the
article cache never holds them. Templates get ``comment_region(kind, article)``: each
part of a page that shows an article's comments (kinds: ``head``, ``jsonld``,
``thread``, ``teaser``, ``archive``), drawn between markers that a publish redraws;
``COMMENTS_FEED`` (the site's comment feed), and the comment form as
``newsroom/comment_form.html``. After the articles are written, the build writes
``threads.json`` for the comment service, each article's comment feed and JSON, the
site's comment feed, and the record publishes work from
(``.newsroom/``).
"""

import logging

from pelican import signals

from newsroom.site import comments, page_writer

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
        page_writer.observe(generator.context, regions)
    comments.add_to_templates(generator.env, regions)


def write_manifest(generator, writer) -> None:
    writer = _page_writer(writer)
    fingerprints = writer.fingerprints(generator.context)
    path = comments.write_manifest(generator.articles, generator.settings, writer, fingerprints)
    logger.info("Writing %s", path)


def write_files(generator, writer) -> None:
    writer = _page_writer(writer)
    writer.finish()  # the regions are noted as the pages are drawn
    regions = generator.context[comments.REGIONS]
    fingerprints = writer.fingerprints(generator.context)
    written = comments.write_files(generator.articles, regions, writer, fingerprints)
    logger.info("Comment files: %d written", written)
    url = generator.settings.get("NEWSROOM_COMMENTS_DATABASE_URL", "")
    comments.publish_what_changed_since(url, regions.read_at)


def _page_writer(writer) -> page_writer.PageWriter:
    if not isinstance(writer, page_writer.PageWriter):
        raise RuntimeError("the comments plugin needs the fast_build plugin (its page writer)")
    return writer


def register() -> None:
    signals.generator_init.connect(add_to_templates)
    signals.article_generator_finalized.connect(attach_comments)
    signals.article_writer_finalized.connect(write_manifest)
    signals.article_writer_finalized.connect(write_files)
