"""WordPress's HTML as Markdown: readable text, never the editor's or shortcodes' clutter."""

import random

import markdown
import pytest

from newsroom.comments.text import render
from newsroom.importing.html_markdown import (
    PLAIN_COMMENT,
    comment_markdown,
    converted_comment,
    post_markdown,
)

BLOCK_EDITOR_POST = """<!-- wp:paragraph -->
<p>Prices rose <strong>again</strong>, said the <a href="https://bank.example">bank</a>.</p>
<!-- /wp:paragraph -->

<!-- wp:image {"id":12} -->
[caption id="attachment_12" align="alignnone" width="300"]<img src="https://ledger.example/up/chart.png" alt="A chart" width="300" /> Rates since 2020[/caption]
<!-- /wp:image -->

A paragraph written without tags,
with a line break.

[gallery ids="12, 13,99"]

[embed]https://video.example/1[/embed]

<iframe src="https://video.example/embed/2" width="560"></iframe>
<script>track()</script>

<h2>More</h2>
<ul><li>One</li><li>Two</li></ul>"""  # noqa: E501


def test_a_block_editor_post_reads_as_markdown():
    text = post_markdown(
        BLOCK_EDITOR_POST, {12: "https://ledger.example/a.png", 13: "https://ledger.example/b.png"}
    )
    assert "wp:" not in text and "[caption" not in text and "[gallery" not in text
    assert "[embed" not in text and "track()" not in text
    assert "Prices rose **again**, said the [bank](https://bank.example)." in text
    assert "![A chart](https://ledger.example/up/chart.png)\n\n*Rates since 2020*" in text
    assert (
        "![](https://ledger.example/a.png)" in text and "![](https://ledger.example/b.png)" in text
    )
    assert "https://video.example/1" in text  # the embed's address stays, as text
    assert "<https://video.example/embed/2>" in text  # an embed becomes a link to it
    assert "## More\n\n- One\n- Two" in text
    page = markdown.markdown(text)
    assert "A paragraph written without tags,<br />\nwith a line break." in page


def test_a_texts_own_brackets_stay():
    text = post_markdown("<p>He said it [sic] to [the mayor], then [video src=x][/video].</p>")
    assert text == "He said it [sic] to [the mayor], then .\n"


def test_non_ascii_and_empty_text():
    assert post_markdown("<p>Café — “quoted” ü</p>") == "Café — “quoted” ü\n"
    assert post_markdown("") == "" and comment_markdown("   ") == ""


def test_a_comment_keeps_emphasis_links_and_quotes_and_nothing_else():
    text = comment_markdown(
        '<em>Good</em> piece, <a href="http://x.org">see</a>.<script>alert(1)</script>\n\n'
        "<blockquote>They said so.</blockquote>\nSecond <b>para</b> <img src=x onerror=y>"
        '<h1>Loud</h1><span style="color:red">red</span>'
    )
    assert "alert" not in text and "<" not in text
    shown = render(text)
    assert "<em>Good</em>" in shown and '<a href="http://x.org"' in shown
    assert "<blockquote>" in shown and "<strong>para</strong>" in shown
    assert "Loud" in shown and "red" in shown and "onerror" not in shown and "<img" not in shown


@pytest.mark.parametrize("seed", range(3))
def test_a_plain_comment_needs_no_converter(seed):
    """Plain text is its own Markdown: drawn as what the converter would have made of it."""
    rng = random.Random(seed)
    words = ["Zoë", "said", "“no”", "'yes'", "isn't", "1999.", "3.5%", "(a)", "-", "#", "+",
             "Mr.\u00a0Assad", "a\u2003b", "\u00a0", "x\u3000y", "p\u2028q", "t\tab"]  # fmt: skip
    plain = 0
    for _ in range(1500):
        lines = []
        for _ in range(rng.randint(1, 6)):
            line = " ".join(rng.choice(words) for _ in range(rng.randint(0, 8)))
            lines.append(line + rng.choice(["", "", "", " ", "\t"]) if line else line)
        content = "\n".join(lines) + rng.choice(["", "\n"])
        plain += not PLAIN_COMMENT.search(content)
        assert render(comment_markdown(content)) == render(converted_comment(content)), content
    assert plain > 100  # the plain way was taken, often
