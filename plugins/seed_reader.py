"""Pelican plugin: seeds (raw article texts, ``.txt``) become articles.

The parsing lives in ``newsroom.articles.seeds``; this only registers the reader.
"""

from pelican import signals

from newsroom.site.seed_reader import SeedReader


def add_reader(readers) -> None:
    for extension in SeedReader.file_extensions:
        readers.reader_classes[extension] = SeedReader


def register() -> None:
    signals.readers_init.connect(add_reader)
