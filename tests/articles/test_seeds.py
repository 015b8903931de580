"""The seed parser on what real pasted text looks like."""

import pytest

from newsroom.articles import seeds
from newsroom.articles.seeds import SeedError, decode, parse

CHROME = (
    'Be the first to comment at "A headline"\n\n'
    "Write your comment\n\n"
    "This site uses Akismet to reduce spam. Learn how your comment data is processed."
)


def test_the_seed_article(seed_article_bytes):
    seed = parse(decode(seed_article_bytes))
    assert seed.headline == "Iran Signs Deal With Syria to Deepen Military Cooperation"
    assert len(seed.paragraphs) == 15
    assert seed.paragraphs[0].startswith("Iran said Monday")
    assert seed.paragraphs[-1].startswith("Memorandums of understanding")
    assert [c.text for c in seed.corrections] == [
        "Iranian companies have purchased some real estate in Syria. A previous version "
        "of this Aug. 27 article said that Syrian companies had done so."
    ]
    assert seed.corrections[0].date is None
    assert seed.source == ""
    assert not any("comment" in p.lower() for p in seed.paragraphs)


def test_crlf_bom_and_runs_of_blank_lines():
    text = "\ufeffHeadline\r\n\r\n\r\n\r\nFirst.\r\n\r\n\r\nSecond.\r\n"
    seed = parse(decode(text.encode("utf-8")))
    assert seed.headline == "Headline"
    assert seed.paragraphs == ["First.", "Second."]


def test_bom_is_dropped_by_decode():
    assert decode("\ufeffTitle".encode()) == "Title"


def test_non_ascii_punctuation_and_names_are_kept():
    seed = parse("Zoë’s “café” — naïve\n\nŁódź, São Paulo and 東京 … ½\u00a0done.")
    assert seed.headline == "Zoë’s “café” — naïve"
    assert seed.paragraphs == ["Łódź, São Paulo and 東京 … ½\u00a0done."]


@pytest.mark.parametrize(
    ("tail", "source"),
    [
        ("Source : Reuters", "Reuters"),
        ("Source: Reuters", "Reuters"),
        ("Source :\nReuters", "Reuters"),
        ("Source :\n\nThe Wall Street Journal", "The Wall Street Journal"),
        ("Source : https://example.com/a", "https://example.com/a"),
        ("Source :", ""),
        ("Source :\n\n" + CHROME, ""),
        ("Source : AP\n\n" + CHROME, "AP"),
    ],
)
def test_source_forms(tail, source):
    seed = parse(f"Headline\n\nBody.\n\n{tail}")
    assert seed.source == source
    assert seed.paragraphs == ["Body."]


def test_a_source_line_inside_the_body_stays_body():
    text = "Headline\n\nSource: officials said so.\n\n" + "More body text. " * 30
    seed = parse(text)
    assert seed.source == ""
    assert len(seed.paragraphs) == 2


def test_no_corrections():
    seed = parse("Headline\n\nBody.\n\nSource : AP")
    assert seed.corrections == []


def test_several_correction_paragraphs():
    text = (
        "Headline\n\nBody.\n\nCorrections & Amplifications\u00a0\n"
        "First correction.\n\nSecond correction.\nStill the second.\n\nSource : AP"
    )
    seed = parse(text)
    assert [c.text for c in seed.corrections] == [
        "First correction.",
        "Second correction. Still the second.",
    ]
    assert seed.paragraphs == ["Body."]
    assert seed.source == "AP"


def test_text_that_looks_like_html_or_markdown_is_kept_literally():
    text = "<b>Bold</b> claims\n\n1989. A year.\n\n# of votes\n\n*word* and <script>x</script>"
    seed = parse(text)
    assert seed.headline == "<b>Bold</b> claims"
    assert seed.paragraphs == ["1989. A year.", "# of votes", "*word* and <script>x</script>"]


def test_chrome_is_dropped():
    seed = parse("Headline\n\nBody.\n\n" + CHROME + "\n\nLeave a Reply\n\nCancel reply")
    assert seed.paragraphs == ["Body."]


def test_editor_header():
    seed = parse("Date: 2018-08-27 09:30\nCategory: World\nTags: Iran, Syria\n\nHeadline\n\nBody.")
    assert seed.header == {"date": "2018-08-27 09:30", "category": "World", "tags": "Iran, Syria"}
    assert seed.headline == "Headline"


def test_a_headline_with_a_colon_is_not_a_header():
    assert parse("Update: talks resume\n\nBody.").headline == "Update: talks resume"


@pytest.mark.parametrize(
    "text",
    ["", "\n\n  \n", "...\n\nBody.", "x" * (seeds.MAX_HEADLINE_CHARS + 1) + "\n\nBody."],
)
def test_no_usable_headline(text):
    with pytest.raises(SeedError, match="no usable headline"):
        parse(text)


def test_not_utf8():
    with pytest.raises(SeedError, match="not UTF-8"):
        decode("Caf\xe9 headline".encode("latin-1"))
