#!/usr/bin/env python3
"""The screenshots of docs/moderation.md, made from a real console with a few comments.

    .venv/bin/python scripts/console-screenshots.py     # writes docs/images/console-*.png

Needs what the browser tests need (Playwright and Chromium: scripts/system-packages.sh).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsroom.comments.accounts import hash_password  # noqa: E402
from newsroom.comments.model import NewComment  # noqa: E402
from newsroom.comments.store import open_store  # noqa: E402
from newsroom.comments.store.clock import now  # noqa: E402
from newsroom.comments.text import render  # noqa: E402

IMAGES = ROOT / "docs" / "images"
EDITOR, PASSWORD = "editor@news.example", "a screenshot password, long enough"
ARTICLES = {
    "council-budget": "Council passes a budget with a new tram line",
    "harbour-fire": "Fire at the harbour: what we know",
}
COMMENTS = [
    ("council-budget", "Maria Lopez", "maria@example.org", "198.51.100.24",
     "The tram line is welcome, but the article does not say **when** work starts."),
    ("council-budget", "Tom B.", "tom@example.net", "203.0.113.77",
     "Third time this budget promises the tram. I will believe it when I ride it."),
    ("harbour-fire", "cheap-watches-4u", "deals@spam.example", "192.0.2.200",
     "Great article!!! Visit my site for the best prices on watches"),
    ("harbour-fire", "J. Okafor", "okafor@example.org", "198.51.100.9",
     "My brother works at the port: the fire started in the warehouse, not on the ship."),
]  # fmt: skip


def seed(url: str) -> list[int]:
    store = open_store(url)
    store.migrate()
    ids = []
    for n, (thread, author, email, ip, body) in enumerate(COMMENTS):
        ids.append(
            store.add(
                NewComment(
                    thread=thread,
                    parent=None,
                    author=author,
                    email=email,
                    url="",
                    body=body,
                    body_html=render(body),
                    status="pending",
                    akismet="spam" if "spam" in email else "ham",
                    ip=ip,
                    ip_group=ip,
                    user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
                    referrer=None,
                    created=now() - timedelta(minutes=50 - 12 * n),
                )
            )
        )
    store.add_moderator(EDITOR, "Night editor", "admin", hash_password(PASSWORD))
    fixed = COMMENTS[1][4].replace("Third", "The third")
    store.edit(ids[1], {"body": fixed}, render(fixed), EDITOR)  # a history to show
    store.close()
    return ids


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        url = f"sqlite:///{work}/comments.sqlite3"
        ids = seed(url)
        threads = {
            slug: {"title": title, "url": f"articles/{slug}/",
                   "permalink": f"/articles/{slug}/", "lang": "en"}
            for slug, title in ARTICLES.items()
        }  # fmt: skip
        manifest = {"version": 1, "site_url": "", "site_name": "The Daily", "threads": threads}
        (work / "threads.json").write_text(json.dumps(manifest))
        (work / "site").mkdir()
        env = {
            **os.environ,
            "NEWSROOM_DATABASE_URL": url,
            "NEWSROOM_THREADS": str(work / "threads.json"),
            "NEWSROOM_SECRET_KEY": "screenshot-secret-key-0123456789abcdef",
            "PYTHONPATH": str(ROOT),
        }
        port = 8765
        server = subprocess.Popen(
            [sys.executable, "-m", "newsroom.cli", "serve", "--port", str(port),
             "--site", str(work / "site")],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    httpx.get(f"{base}/api/health").raise_for_status()
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            shoot(base, ids)
        finally:
            server.terminate()
            server.wait(10)


def shoot(base: str, ids: list[int]) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        page = browser.new_page(viewport={"width": 1000, "height": 1000})
        page.goto(f"{base}/moderate/login")
        page.get_by_label("E-mail").fill(EDITOR)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r".*/moderate/$"))
        page.keyboard.press("j")
        page.screenshot(path=str(IMAGES / "console-queue.png"))
        page.goto(f"{base}/moderate/comments/{ids[1]}")
        page.screenshot(path=str(IMAGES / "console-comment.png"))
        browser.close()
    print(f"Wrote {IMAGES}/console-queue.png and console-comment.png")


if __name__ == "__main__":
    main()
