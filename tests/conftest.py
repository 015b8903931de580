"""Fixtures live in tests/support/, one module per real part the tests run."""

import os

from tests.support.keys import TEST_SECRET_KEY

# The service will not start without a key; processes the tests start inherit this one.
os.environ.setdefault("NEWSROOM_SECRET_KEY", TEST_SECRET_KEY)

pytest_plugins = [
    "tests.support.akismet",
    "tests.support.postgres",
    "tests.support.stores",
    "tests.support.site",
    "tests.support.browser",
    "tests.support.service",
    "tests.support.console",
    "tests.support.smtp",
    "tests.support.tls",
    "tests.support.seaweed",
    "tests.support.cloudfront_api",
]
