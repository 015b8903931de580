"""Development settings: `make html` and `make serve`. Production adds publishconf.py."""

import os

from newsroom.comments.config import DEFAULT_DATABASE_URL
from newsroom.site.articles import newest_first

SITENAME = "Newsroom"
SITESUBTITLE = "News you can trust, corrected in the open"
AUTHOR = "Newsroom staff"
SITEURL = os.environ.get("NEWSROOM_SITEURL", "").rstrip("/")
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_CATEGORY = "News"
USE_FOLDER_AS_CATEGORY = False
DEFAULT_DATE_FORMAT = "%-d %B %Y"

# Seeds (raw texts) and Markdown articles are read from the project's root folders.
PATH = "."
ARTICLE_PATHS = ["seeds", "content"]
ARTICLE_EXCLUDES = ["content/pages"]
PAGE_PATHS = ["content/pages"]
STATIC_PATHS = ["content/images"]
OUTPUT_PATH = "output"
THEME = "theme"
PLUGIN_PATHS = ["plugins"]
PLUGINS = ["seed_reader", "corrections", "fast_build", "comments", "redirects"]

# Newest first, and the same order in every build of the same content (see newest_first).
ARTICLE_ORDER_BY = newest_first

# One language: two articles with one slug are renamed, not taken as translations.
ARTICLE_TRANSLATION_ID = None
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
# The fast_build plugin keeps the articles read from one build to the next (whole, not
# just what a reader returned); Pelican caches at no layer of its own, so they are not
# kept twice.
CONTENT_CACHING_LAYER = "fast_build"
CACHE_PATH = "cache"
# Processes that read articles and draw pages (fast_build): 0 for one per CPU from 20,000
# articles (one below: the workers' memory would cost more than their time saves).
NEWSROOM_BUILD_PROCESSES = int(os.environ.get("NEWSROOM_BUILD_PROCESSES", "0"))

ARTICLE_URL = "articles/{slug}/"
ARTICLE_SAVE_AS = "articles/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = "category/{slug}/index.html"
CATEGORIES_URL = "category/"
CATEGORIES_SAVE_AS = "category/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
TAGS_URL = "tag/"
TAGS_SAVE_AS = "tag/index.html"
AUTHOR_URL = "author/{slug}/"
AUTHOR_SAVE_AS = "author/{slug}/index.html"
AUTHORS_URL = "author/"
AUTHORS_SAVE_AS = "author/index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
YEAR_ARCHIVE_URL = "archives/{date:%Y}/"
YEAR_ARCHIVE_SAVE_AS = "archives/{date:%Y}/index.html"
CORRECTIONS_URL = "corrections/"
CORRECTIONS_SAVE_AS = "corrections/index.html"
SITEMAP_SAVE_AS = "sitemap.xml"
DIRECT_TEMPLATES = [
    "index",
    "categories",
    "tags",
    "authors",
    "archives",
    "corrections",
    "sitemap",
    "404",
]

DEFAULT_PAGINATION = 20
PAGINATED_TEMPLATES = {"index": None, "tag": None, "category": None, "author": None}
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

# Feeds need absolute addresses; in development they point at `make serve`.
FEED_DOMAIN = SITEURL or "http://127.0.0.1:8000"
FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = "feeds/category/{slug}.atom.xml"
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
FEED_MAX_ITEMS = 50

# Newsroom's own settings (plugins/ and theme/).
NEWSROOM_CORRECTIONS_HEADING = "Corrections & Amplifications"
NEWSROOM_CORRECTIONS_POLICY_URL = "corrections-policy/"
# Where the comment form posts: the comment service's address.
NEWSROOM_COMMENTS_API = os.environ.get("NEWSROOM_COMMENTS_API", "/api/comments")
# The comment store the build reads approved comments from (the service's own default).
NEWSROOM_COMMENTS_DATABASE_URL = os.environ.get("NEWSROOM_DATABASE_URL", DEFAULT_DATABASE_URL)
NEWSROOM_COMMENTS_DEPTH = 3
# Each article's comments.json beside its page, kept current by moderation's publishing,
# which the page's script reads before the API. False for a site that moderation does not
# publish (a host rebuilding on NEWSROOM_REBUILD_HOOK_URL): the script asks the API.
NEWSROOM_PUBLISHED_JSON = True
# Named in the build's record: `newsroom publish` says which settings drew the pages.
NEWSROOM_SETTINGS_FILE = "pelicanconf.py"
