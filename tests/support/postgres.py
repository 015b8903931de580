"""A PostgreSQL store URL of its own for each test: a fresh schema, dropped afterwards.

The server is asked once per session. When it cannot be reached the PostgreSQL tests are
skipped with the reason, except under CI (CI=true), where they fail: CI must run them.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pytest

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    return os.environ.get("NEWSROOM_TEST_POSTGRES_URL", DEFAULT_URL)


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the PostgreSQL tests must run)", pytrace=False)
    pytest.skip(f"{reason}; set NEWSROOM_TEST_POSTGRES_URL to run the PostgreSQL tests")


@pytest.fixture(scope="session")
def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can (asked once a session)."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    try:
        psycopg.connect(server_url(), connect_timeout=3).close()
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        return f"PostgreSQL is not reachable at {server_url()}: {first_line}"
    return None


@pytest.fixture
def postgres_url(postgres_unavailable):
    """A postgresql:// URL whose search_path is a new, empty schema."""
    if postgres_unavailable is not None:
        _unavailable(postgres_unavailable)
    import psycopg

    schema = f"newsroom_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url(), autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in server_url() else "?"
    yield f"{server_url()}{separator}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(server_url(), autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
