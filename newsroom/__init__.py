"""Newsroom: a static news site with Pelican, and reader comments checked by Akismet."""

__version__ = "0.1.0"
