"""A store on each backend: every test that takes ``store`` runs on SQLite and on
PostgreSQL (a schema of its own, dropped afterwards)."""

import pytest

from newsroom.comments.store import open_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/comments.sqlite3"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url):
    opened = open_store(store_url)
    opened.migrate()
    yield opened
    opened.close()
