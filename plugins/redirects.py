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


def collect(generators) -> None:
    """The content with old links, once every generator has it (written at the end)."""
    contents = []
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            contents += generator.articles
        elif isinstance(generator, PagesGenerator):
            contents += generator.pages
    if generators:
        _found[:] = redirects.moved(contents, generators[0].settings)


def write_redirects(pelican) -> None:
    """After the site's own files: an old path where the site has one gets no redirect."""
    pages = redirects.write(pelican.settings["OUTPUT_PATH"], _found, pelican.settings)
    if _found:
        logger.info("Old links: %d redirected, %d redirect pages", len(_found), pages)
    _found.clear()


_found: list = []  # this build's, from collect to write_redirects


def register() -> None:
    # After fast_build in PLUGINS: its writer's files must be there when ``finalized``
    # comes (receivers run in the order plugins registered), so old paths see them.
    signals.all_generators_finalized.connect(collect)
    signals.finalized.connect(write_redirects)
