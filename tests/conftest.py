"""Fixtures live in tests/support/, one module per real part the tests run."""

pytest_plugins = [
    "tests.support.akismet",
    "tests.support.postgres",
    "tests.support.site",
    "tests.support.browser",
    "tests.support.service",
]
