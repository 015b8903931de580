"""Real Pelican builds of small sites, checked as a browser would parse them."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from newsroom.comments.model import POSTED
from tests.support.site import build, make_project

SEED_SLUG = "iran-signs-deal-with-syria-to-deepen-military-cooperation"
ATOM = "{http://www.w3.org/2005/Atom}"

MARKDOWN_ARTICLE = """\
Title: Council approves the budget
Date: 2024-03-01 08:00
Category: Local
Correction: 2024-03-02 10:00 | An earlier version gave the wrong total.
Correction: 2024-03-05 | An earlier version misspelled the mayor's name.
Correction: A correction whose date is not known.
Source: City Gazette https://gazette.example/budget

The council approved the budget on Thursday.
"""

POLICY_PAGE = "Title: Corrections policy\nSlug: corrections-policy\n\nWe correct errors.\n"


def json_ld(soup) -> dict:
    scripts = soup.select('script[type="application/ld+json"]')
    assert len(scripts) == 1
    return json.loads(scripts[0].string)


@pytest.fixture
def seed_site(build_site, seed_article_bytes):
    return build_site(
        seeds={"000_96bea4abdf1c368b.txt": seed_article_bytes},
        content={"pages/corrections-policy.md": POLICY_PAGE},
    )


def test_seed_article_page(seed_site):
    page = seed_site.article(SEED_SLUG)
    assert page.h1.get_text() == "Iran Signs Deal With Syria to Deepen Military Cooperation"
    body = page.select_one("article .article-body")
    paragraphs = body.find_all("p")
    assert len(paragraphs) == 15
    assert paragraphs[0].get_text().startswith("Iran said Monday")
    assert "Be the first to comment at" not in body.get_text()
    assert "Write your comment" not in body.get_text()
    assert "Akismet" not in body.get_text()
    assert "Corrections" not in body.get_text()
    corrections = page.select(".corrections > .correction")
    assert [c.get_text() for c in corrections] == [
        "Iranian companies have purchased some real estate in Syria. A previous version "
        "of this Aug. 27 article said that Syrian companies had done so."
    ]
    assert page.select_one(".corrections h2").get_text() == "Corrections & Amplifications"
    assert page.select_one(".corrected-mark a")["href"] == "#corrections"
    # Its source is empty: no footer, and no dangling "Source :" anywhere.
    assert page.select_one(".article-source") is None
    assert "Source :" not in page.get_text()


def test_comments_section_and_form(seed_site):
    page = seed_site.article(SEED_SLUG)
    section = page.select_one("#comments")
    title = "Iran Signs Deal With Syria to Deepen Military Cooperation"
    assert section.h2.get_text() == f"Be the first to comment on “{title}”"
    form = section.select_one("form#comment-form")
    assert form["method"] == "post"
    assert form["action"] == "/api/comments"
    fields = {field["name"]: field for field in form.select("input, textarea")}
    assert fields["thread"]["type"] == "hidden"
    assert fields["thread"]["value"] == SEED_SLUG
    assert fields["parent"]["type"] == "hidden"
    assert fields["email"]["type"] == "email"
    assert fields["url"]["type"] == "url"
    assert fields["body"].name == "textarea"
    for field in POSTED:  # the limits come from the one declaration
        if field.shown and field.input not in ("honeypot", "checkbox"):
            assert fields[field.name]["maxlength"] == str(field.limit)
    assert fields["notify"]["type"] == "checkbox" and not fields["notify"].has_attr("checked")
    labels = {label["for"]: label.get_text(" ", strip=True) for label in form.select("label")}
    assert labels["comment-author"] == "Name"
    assert labels["comment-email"] == "Email (never published)"
    assert labels["comment-url"].startswith("Website")
    assert labels["comment-body"] == "Comment"
    notice = form.select_one(".akismet-notice")
    assert notice.get_text() == (
        "This site uses Akismet to reduce spam. Learn how your comment data is processed."
    )
    assert notice.a["href"] == "https://akismet.com/privacy/"
    assert notice.a.get_text() == "Learn how your comment data is processed."


def test_seed_json_ld(seed_site):
    data = json_ld(seed_site.article(SEED_SLUG))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Iran Signs Deal With Syria to Deepen Military Cooperation"
    assert data["url"].endswith(f"/articles/{SEED_SLUG}/")
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "Iranian companies have purchased some real estate in Syria. A previous "
            "version of this Aug. 27 article said that Syrian companies had done so.",
        }
    ]
    assert "isBasedOn" not in data
    assert "citation" not in data
    assert data["publisher"]["@type"] == "NewsMediaOrganization"
    assert data["publisher"]["correctionsPolicy"].endswith("/corrections-policy/")


def test_feed_entry_carries_corrections(seed_site):
    feed = ET.fromstring(seed_site.text("feeds/all.atom.xml"))
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    content = entries[0].find(f"{ATOM}content").text
    assert "Corrections &amp; Amplifications" in content
    assert "A previous version of this Aug. 27 article" in content
    assert entries[0].find(f"{ATOM}updated").text


def test_markdown_article_with_several_corrections(build_site):
    site = build_site(
        content={"budget.md": MARKDOWN_ARTICLE, "pages/corrections-policy.md": POLICY_PAGE}
    )
    page = site.article("council-approves-the-budget")
    corrections = page.select(".corrections > .correction")
    assert len(corrections) == 3
    times = [c.find("time") for c in corrections]
    assert times[0]["datetime"] == "2024-03-02T10:00:00+00:00"
    assert times[1]["datetime"] == "2024-03-05T00:00:00+00:00"
    assert times[2] is None
    assert corrections[0].get_text().endswith("An earlier version gave the wrong total.")
    mark = page.select_one(".corrected-mark")
    assert mark.a["href"] == "#corrections"
    assert mark.time["datetime"] == "2024-03-05T00:00:00+00:00"

    source = page.select_one(".article-source")
    assert source.get_text(" ", strip=True) == "Source: City Gazette"
    assert source.a["href"] == "https://gazette.example/budget"

    data = json_ld(page)
    assert data["datePublished"] == "2024-03-01T08:00:00+00:00"
    assert data["dateModified"] == "2024-03-05T00:00:00+00:00"
    assert [c.get("datePublished") for c in data["correction"]] == [
        "2024-03-02T10:00:00+00:00",
        "2024-03-05T00:00:00+00:00",
        None,
    ]
    assert data["isBasedOn"] == "https://gazette.example/budget"
    assert data["citation"] == {
        "@type": "CreativeWork",
        "name": "City Gazette",
        "url": "https://gazette.example/budget",
    }

    feed = ET.fromstring(site.text("feeds/all.atom.xml"))
    entry = feed.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}updated").text == "2024-03-05T00:00:00+00:00"
    content = entry.find(f"{ATOM}content").text
    assert "An earlier version misspelled the mayor" in content
    assert 'href="https://gazette.example/budget"' in content


def test_corrections_page_lists_every_correction_newest_first(build_site, seed_article_bytes):
    site = build_site(
        seeds={"000_96bea4abdf1c368b.txt": seed_article_bytes},
        content={"budget.md": MARKDOWN_ARTICLE},
    )
    items = site.page("corrections/index.html").select(".corrections-log > .correction")
    assert len(items) == 4
    # Undated corrections count as of their article's date (the seed's is the file's: today).
    assert "Aug. 27 article" in items[0].get_text()
    texts = [item.get_text(" ", strip=True) for item in items[1:]]
    assert "misspelled" in texts[0]
    assert "wrong total" in texts[1]
    assert "not known" in texts[2]  # as of 1 March, the article's date
    links = [item.a["href"] for item in items]
    assert links[1] == "/articles/council-approves-the-budget/#corrections"


def test_no_source_no_corrections(build_site):
    site = build_site(seeds={"plain.txt": "A plain story\n\nJust the body.\n"})
    page = site.article("a-plain-story")
    assert page.select_one(".article-source") is None
    assert page.select_one(".corrections") is None
    assert page.select_one(".corrected-mark") is None
    data = json_ld(page)
    assert "correction" not in data
    assert "citation" not in data


def test_seed_cases_end_to_end(build_site):
    site = build_site(
        seeds={
            "crlf.txt": b"\xef\xbb\xbfDate: 2020-05-04 10:00\r\nCrlf <b>story</b>\r\n\r\n\r\n"
            b"1989. A year.\r\n\r\n# of votes\r\n\r\nSource :\r\nhttps://example.org/x\r\n",
        }
    )
    page = site.article("crlf-bstoryb")
    assert page.h1.get_text() == "Crlf <b>story</b>"
    assert [p.get_text() for p in page.select(".article-body p")] == ["1989. A year.", "# of votes"]
    assert page.select_one(".article-body b") is None
    assert page.select_one(".article-source a")["href"] == "https://example.org/x"
    assert json_ld(page)["datePublished"] == "2020-05-04T10:00:00+00:00"
    assert "<title>Crlf &lt;b&gt;story&lt;/b&gt; · Newsroom</title>" in site.text(
        "articles/crlf-bstoryb/index.html"
    )


def test_structured_data_and_feed_carry_a_plain_text_headline(build_site):
    """A seed's headline is plain text: JSON-LD and the feed give it as written, once
    escaped for their own syntax (never HTML-escaped inside the JSON)."""
    headline = "Regional Tram Line <b>Extension</b> Wins Final Approval & Funding"
    site = build_site(seeds={"tram.txt": f"Date: 2024-04-01 09:00\n{headline}\n\nBody.\n"})
    slug = "regional-tram-line-bextensionb-wins-final-approval-funding"
    page = site.article(slug)
    assert json_ld(page)["headline"] == headline
    raw = page.select_one('script[type="application/ld+json"]').string
    assert "<b>" not in raw and "&lt;" not in raw  # \u003c in the script, not an entity
    entry = ET.fromstring(site.text("feeds/all.atom.xml")).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == headline
    threads = json.loads(site.text("threads.json"))["threads"]
    assert threads[slug]["title"] == headline


def test_broken_seeds_are_reported_and_the_rest_builds(build_site):
    site = build_site(
        seeds={
            "good.txt": "A good story\n\nBody.\n",
            "latin1.txt": "Caf\xe9 story\n\nBody.\n".encode("latin-1"),
            "empty.txt": "\n\n",
        }
    )
    assert "latin1.txt" in site.log and "not UTF-8" in site.log
    assert "empty.txt" in site.log and "no usable headline" in site.log
    assert (site.output / "articles/a-good-story/index.html").exists()


def test_slugs_are_unique_and_stable(build_site):
    seeds = {
        "a.txt": "Date: 2020-01-01\nSame headline\n\nFirst.\n",
        "b.txt": "Date: 2020-01-02\nSame headline\n\nSecond.\n",
    }
    site = build_site(seeds=seeds)
    first = site.article("same-headline").select_one(".article-body").get_text(strip=True)
    second = site.article("same-headline-b").select_one(".article-body").get_text(strip=True)
    assert (first, second) == ("First.", "Second.")


def test_front_page_archives_and_sitemap(build_site, seed_article_bytes):
    site = build_site(
        seeds={"000_96bea4abdf1c368b.txt": seed_article_bytes},
        content={"budget.md": MARKDOWN_ARTICLE},
    )
    front = site.page("index.html")
    assert front.select_one(".lead-story a")["href"] == f"/articles/{SEED_SLUG}/"
    assert front.select_one(".latest a")["href"] == "/articles/council-approves-the-budget/"
    archive_links = [a["href"] for a in site.page("archives/index.html").select("main li a")]
    assert f"/articles/{SEED_SLUG}/" in archive_links
    assert site.page("category/local/index.html").select_one("main h1").get_text() == "Local"
    sitemap = ET.fromstring(site.text("sitemap.xml"))
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert f"/articles/{SEED_SLUG}/" in locs
    assert (site.output / "404.html").exists()


def test_publish_settings_make_every_address_absolute(tmp_path, seed_article_bytes):
    root = make_project(tmp_path / "site", {"seed.txt": seed_article_bytes}, {})
    env = {**os.environ, "NEWSROOM_SITEURL": "https://news.example"}
    site = build(root, settings="publishconf.py", env=env)
    page = site.article(SEED_SLUG)
    url = f"https://news.example/articles/{SEED_SLUG}/"
    assert json_ld(page)["url"] == url
    assert page.select_one("form#comment-form")["action"] == "https://news.example/api/comments"
    entry = ET.fromstring(site.text("feeds/all.atom.xml")).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href") == url
    threads = json.loads(site.text("threads.json"))
    assert threads["threads"][SEED_SLUG]["permalink"] == url

    env.pop("NEWSROOM_SITEURL")
    refused = subprocess.run(
        [sys.executable, "-m", "pelican", "-s", "publishconf.py"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0
    assert "set NEWSROOM_SITEURL" in refused.stderr + refused.stdout
