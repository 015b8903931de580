"""Pelican plugin: the articles' comment threads.

Writes ``threads.json`` (the articles that take comments) into the output for the
comment service. The logic lives in ``newsroom.site``.
"""

import logging

from pelican import signals

from newsroom.site import threads_manifest

logger = logging.getLogger(__name__)


def write_manifest(generator, writer) -> None:
    path = threads_manifest.write(
        generator.output_path, generator.articles, generator.settings.get("SITEURL", "")
    )
    logger.info("Writing %s", path)


def register() -> None:
    signals.article_writer_finalized.connect(write_manifest)
