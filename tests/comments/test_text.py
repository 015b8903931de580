"""Comment text becomes safe HTML: a small Markdown subset, and hostile input that must
come out inert."""

import random

import pytest
from bs4 import BeautifulSoup

from newsroom.comments import text as text_module
from newsroom.comments.text import ALLOWED_TAGS, LINK_REL, markdown_html, render
from tests.support.hostile import WORST_CASES


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


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("one\ntwo", "<p>one<br>\ntwo</p>"),
        ("*em* _em_ **strong** `a <b>`", "<p><em>em</em> <em>em</em> <strong>strong</strong> "
         "<code>a &lt;b&gt;</code></p>"),
        ("```\nif a < b:\n    pass\n```", "<pre><code>if a &lt; b:\n    pass\n</code></pre>"),
        ("    indented <i>", "<pre><code>indented &lt;i&gt;\n</code></pre>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
        ("[m](mailto:a@example.org)",
         f'<p><a href="mailto:a@example.org" rel="{LINK_REL}">m</a></p>'),
        ("<https://e.org/?a=1&b=2>",
         f'<p><a href="https://e.org/?a=1&amp;b=2" rel="{LINK_REL}">https://e.org/?a=1&amp;b=2</a></p>'),
        ('[t](https://e.org/ "title")', f'<p><a href="https://e.org/" rel="{LINK_REL}">t</a></p>'),
        # Left as text: headings, rules, tables, images, reference definitions.
        ("# Big", "<p># Big</p>"),
        ("Big\n===", "<p>Big<br>\n===</p>"),
        ("***", "<p>***</p>"),
        ("| a | b |\n|---|---|", "<p>| a | b |<br>\n|---|---|</p>"),
        ("![x](https://e.org/x.png)", "<p>![x](https://e.org/x.png)</p>"),
    ],
)  # fmt: skip
def test_the_subset(text, html):
    assert render(text) == html


HOSTILE = [
    "<script>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<object data=javascript:alert(1)></object>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<style>body{display:none}</style>",
    "<div><p><b>unclosed",
    "</p></div></body></html><script>alert(1)</script>",
    "<!--><script>alert(1)</script>-->",
    "<a href='javascript:alert(1)'>x</a>",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](//evil.example/)",
    "[x](/relative/path)",
    '[x](https://e.org/" onmouseover="alert(1))',
    "[x][r]\n\n[r]: javascript:alert(1)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "`<script>` and ```<script>```",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "<form action=https://evil.example><input name=x></form>",
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_input_is_inert(hostile):
    html = render(hostile)
    body = BeautifulSoup(html, "html5lib").body
    for tag in body.find_all(True):
        assert tag.name in ALLOWED_TAGS, html
        expected = {"href", "rel"} if tag.name == "a" else set()
        assert set(tag.attrs) == expected, html
        if tag.name == "a":
            assert tag["href"].startswith(("http://", "https://", "mailto:")), html
            assert tag["rel"] == LINK_REL.split()


@pytest.mark.parametrize("hostile", HOSTILE)
def test_no_live_markup_reaches_a_browser(hostile):
    """Parsed as a browser would, the output has no script, handler or foreign address."""
    body = BeautifulSoup(render(hostile), "html5lib").body
    assert body.find(["script", "style", "iframe", "img", "svg", "math", "form", "object"]) is None
    for tag in body.find_all(True):
        assert not any(name.startswith("on") for name in tag.attrs)
        assert "javascript" not in tag.get("href", "").lower()


def test_the_text_stays_readable():
    assert BeautifulSoup(render("1 < 2 & 3 > 2 <b>"), "html5lib").get_text() == "1 < 2 & 3 > 2 <b>"


def visible(html: str) -> str:
    return "".join(BeautifulSoup(html, "html.parser").get_text().split())


@pytest.mark.parametrize("text", WORST_CASES.values(), ids=WORST_CASES.keys())
def test_pathological_markup_is_shown_as_typed(text):
    html = render(text)
    shown, typed = visible(html), "".join(text.split())
    # What nests (at most MAX_DEPTH levels) becomes structure; everything else shows.
    assert len(shown) >= len(typed) - 8 * (text.count("\n") + 2)
    assert set(shown) <= set(typed)


def test_ordinary_markup_still_works_beside_many_marks():
    text = "*one* and **two** " + "x" * 100 + " [link](https://example.org/) `code`"
    assert render(text) == (
        "<p><em>one</em> and <strong>two</strong> " + "x" * 100
        + f' <a href="https://example.org/" rel="{LINK_REL}">link</a> <code>code</code></p>'
    )  # fmt: skip


PLAIN_WORDS = [
    *(  # noqa: SIM905 (a sentence reads better than a list)
        "the a Zoë “quoted” 'single' \"double\" isn't 1999 1999. 1234567890. 3.5% -dash "
        "mid-word (paren) {brace} end. ok, yes; colon: why? wow! # hash = == + | @ $ % ^ é 李雷 "
        "http://x.example/path www.example.com 2) -- ---"
    ).split(),
    *("Mr.\u00a0Assad", "a\u2003b", "x\u3000y", "p\u2028q", "t\tab", "f\x0cf", "n\x85l"),
]
STARTS = ("", "", "", "1999. ", "1234567890. ", "2) ", "- ", "+ ", "# ", "= ", "-", "--- ", " ",
          "    ", "\t", "\u00a0", "> ")  # fmt: skip
ENDS = ("", "", "", " ", "  ", "\t", "\u2003")


@pytest.mark.parametrize("seed", range(4))
def test_a_text_without_markup_is_drawn_as_markdown_would(seed):
    """render's plain path (no Markdown) gives what Markdown and nh3 give, on texts made
    of words, punctuation and line breaks around all that could make them differ."""
    rng = random.Random(seed)
    plain = 0
    for _ in range(2500):
        lines = []
        for _ in range(rng.randint(1, 6)):
            if rng.random() < 0.15:
                lines.append(rng.choice(["", "", " ", "\t"]))
                continue
            words = " ".join(rng.choice(PLAIN_WORDS) for _ in range(rng.randint(1, 12)))
            start = rng.choice(STARTS) if rng.random() < 0.2 else ""
            end = rng.choice(ENDS) if rng.random() < 0.2 else ""
            lines.append(start + words + end)
        text = "\n".join(lines) + rng.choice(["", "\n", "\n\n"])
        plain += not text_module._MARKUP.search(text)
        assert render(text) == markdown_html(text), repr(text)
    assert plain > 250  # the plain path was taken, often
