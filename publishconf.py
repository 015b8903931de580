"""Production settings: `make publish`. Values come from the environment."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: F403

SITEURL = os.environ.get("NEWSROOM_SITEURL", "").rstrip("/")
if not SITEURL:
    sys.exit(
        "publishconf.py: set NEWSROOM_SITEURL to the site's address, e.g. https://news.example"
    )
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False
# The output is kept: a build draws only what changed, and removes what it no longer makes
# (fast_build). Its cache is its own: the development build's settings differ.
DELETE_OUTPUT_DIRECTORY = False
CACHE_PATH = "cache/publish"
NEWSROOM_COMMENTS_API = os.environ.get("NEWSROOM_COMMENTS_API", f"{SITEURL}/api/comments")
NEWSROOM_SETTINGS_FILE = "publishconf.py"
