"""A PostgreSQL store URL of its own for each test: a fresh schema, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pytest

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    return os.environ.get("NEWSROOM_TEST_POSTGRES_URL", DEFAULT_URL)


def _connect():
    import psycopg

    return psycopg.connect(server_url(), autocommit=True, connect_timeout=3)


@pytest.fixture
def postgres_url():
    """A postgresql:// URL whose search_path is a new, empty schema."""
    try:
        admin = _connect()
    except Exception as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is not reachable at {server_url()}: {exc}")
        pytest.skip(
            f"PostgreSQL is not reachable at {server_url()} (set NEWSROOM_TEST_POSTGRES_URL)"
        )
    schema = f"newsroom_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in server_url() else "?"
    yield f"{server_url()}{separator}options={quote(f'-csearch_path={schema}')}"
    admin.execute(f"DROP SCHEMA {schema} CASCADE")
    admin.close()
