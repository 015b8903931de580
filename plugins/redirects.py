"""Pelican plugin: an imported site's old links lead to its articles' new addresses.

Articles and pages with ``WordPress-Link`` or ``WordPress-Id`` metadata (written by
`newsroom import wordpress`) get a redirect page at their old path, a rule in
``_redirects``, and entries in ``.newsroom/redirects.json`` (`newsroom serve`) and
``.newsroom/redirects.nginx``. No settings.
"""

import logging

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator

from newsroom.site import redirects

logger = logging.getLogger(__name__)


def write_redirects(generators) -> None:
    contents = []
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            contents += generator.articles
        elif isinstance(generator, PagesGenerator):
            contents += generator.pages
    if not generators:
        return
    settings = generators[0].settings
    found = redirects.moved(contents, settings)
    pages = redirects.write(settings["OUTPUT_PATH"], found, settings)
    if found:
        logger.info("Old links: %d redirected, %d redirect pages", len(found), pages)


def register() -> None:
    signals.all_generators_finalized.connect(write_redirects)
