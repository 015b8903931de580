"""The `newsroom` command: serve the site and its comments, and moderate them."""

from newsroom.cli.main import main

__all__ = ["main"]
