"""axe-core finds nothing on the demo site's pages, in light and dark, phone and desktop."""

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.browser import axe_violations

PAGES = [
    "",
    "articles/iran-signs-deal-with-syria-to-deepen-military-cooperation/",
    "articles/newsroom-opens-its-comment-section-to-readers/",
    "corrections/",
    "archives/",
    "category/news/",
    "corrections-policy/",
    "404.html",
]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def static_site(demo_site):
    handler = functools.partial(QuietHandler, directory=str(demo_site.output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_no_axe_violations(browser, static_site, scheme, width):
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
    page = context.new_page()
    found = {}
    for path in PAGES:
        page.goto(static_site + path)
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    context.close()
    assert found == {}
