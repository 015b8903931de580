"""Opening a store from its URL: which backend, which file, and what gets imported."""

import subprocess
import sys

import pytest

from newsroom.comments.store import StoreError, open_store


def test_a_relative_sqlite_path_is_created_with_its_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:///var/comments.sqlite3")
    store.migrate()
    store.close()
    assert (tmp_path / "var" / "comments.sqlite3").is_file()


def test_the_sqlite_file_is_private(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/c.sqlite3")
    store.migrate()
    store.close()
    for name in ("c.sqlite3", "c.sqlite3-wal", "c.sqlite3-shm"):
        if (tmp_path / name).exists():
            assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name


def test_an_sqlite_file_that_cannot_be_made_is_a_store_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    store = open_store(f"sqlite:///{tmp_path}/file/c.sqlite3")
    with pytest.raises(StoreError, match="cannot open the SQLite store"):
        store.migrate()


def test_an_absolute_sqlite_path(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/deep/er/c.sqlite3")  # sqlite:////abs/path
    store.migrate()
    assert [tuple(row) for row in store._read("PRAGMA journal_mode")] == [("wal",)]
    assert store._read("PRAGMA busy_timeout")[0][0] >= 5000
    store.close()
    assert (tmp_path / "deep" / "er" / "c.sqlite3").is_file()


@pytest.mark.parametrize("url", ["mysql://x/y", "sqlite:/x", "", "comments.sqlite3"])
def test_an_unknown_url_is_refused_clearly(url):
    with pytest.raises(StoreError, match="NEWSROOM_DATABASE_URL"):
        open_store(url)


def test_sqlite_never_imports_psycopg(tmp_path):
    """The Lambda GET path on SQLite must not pay psycopg's import."""
    code = (
        "import sys; from newsroom.comments.store import open_store;"
        f"s = open_store('sqlite:///{tmp_path}/c.sqlite3'); s.migrate(); s.counts(['a']);"
        "print('psycopg' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_an_unreachable_postgresql_says_why_without_the_password():
    from newsroom.comments.store.postgres import PostgresStore

    store = PostgresStore("postgresql://newsroom:sekrit-password@127.0.0.1:1/none", timeout=0.5)
    with pytest.raises(StoreError) as failure:
        store.ping()
    store.close()
    assert "refused" in str(failure.value).lower()
    assert "sekrit" not in str(failure.value)


def test_a_writer_stuck_in_another_process_is_a_store_error_not_a_hang(tmp_path, monkeypatch):
    import time

    import newsroom.comments.store.sqlite

    monkeypatch.setattr(newsroom.comments.store.sqlite, "BUSY_TIMEOUT_SECONDS", 0.3)
    store = open_store(f"sqlite:///{tmp_path}/c.sqlite3")
    store.migrate()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time; "
         f"f = os.open({str(tmp_path / 'c.sqlite3-writer')!r}, os.O_RDWR); "
         "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(StoreError, match="held the store too long"):
            store.reserve_id()
        assert time.monotonic() - started < 2
    finally:
        holder.kill()
        holder.wait()
    assert store.reserve_id() > 0  # a killed holder's flock is freed by the kernel
    store.close()
