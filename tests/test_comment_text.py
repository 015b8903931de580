"""Comment text becomes safe HTML: a small Markdown subset, everything else escaped or gone."""

import pytest
from bs4 import BeautifulSoup

from newsroom.comment_text import ALLOWED_TAGS, render


def test_the_markdown_subset():
    html = render("Hello *you* and **all**\nnext line\n\n> quoted\n\n- one\n- two\n\n`code`")
    assert html == (
        "<p>Hello <em>you</em> and <strong>all</strong><br>\nnext line</p>\n"
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        "<p><code>code</code></p>"
    )


def test_links_get_nofollow_ugc_noopener():
    assert render("[site](https://example.org/)") == (
        '<p><a href="https://example.org/" rel="nofollow ugc noopener">site</a></p>'
    )


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<p style="position:fixed">x</p>',
        "<svg onload=alert(1)>",
        "<b onclick=alert(1)>unclosed",
        "![img](https://evil.example/x.png)",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "<!-- comment --><style>*{}</style>",
        "# Big heading",
    ],
)
def test_hostile_input_leaves_only_allowed_markup(hostile):
    soup = BeautifulSoup(render(hostile), "html5lib")
    body = soup.body
    for tag in body.find_all(True):
        assert tag.name in ALLOWED_TAGS, tag
        assert set(tag.attrs) <= {"href", "rel"}, tag
        if tag.name == "a":
            assert tag["href"].startswith(("http://", "https://", "mailto:")), tag
    assert body.find(["script", "img", "iframe", "svg", "style", "h1"]) is None


def test_text_is_kept_visible():
    assert (
        "<script>alert(1)</script>"
        in BeautifulSoup(render("<script>alert(1)</script>"), "html5lib").get_text()
    )
