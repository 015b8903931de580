"""Page keys (issue 13): what a page is drawn from changes its key, nothing else does."""

from __future__ import annotations

import copy
import os
from datetime import datetime

import jinja2
import pytest
from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG
from pelican.urlwrappers import Category

from newsroom.site.fingerprints import Fingerprints

TEMPLATES = {
    "base.html": "{% for cat, _ in categories %}{{ cat.name }}{% endfor %}"
    "{% block body %}{% endblock %}",
    "article.html": '{% extends "base.html" %}{% block body %}{{ article.content }}{% endblock %}',
    "dynamic.html": "{% include choice %}",
}  # fmt: skip


@pytest.fixture
def env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES))


def article(tmp_path, name: str, text: str) -> Article:
    settings = copy.deepcopy(DEFAULT_CONFIG)
    source = tmp_path / f"{name}.md"
    source.write_text(text)
    metadata = {"title": name, "date": datetime(2024, 1, 2), "category": Category("News", settings)}
    return Article(text, metadata=metadata, settings=settings, source_path=str(source))


def key(env, template: str, **variables) -> bytes:
    return Fingerprints(b"site", {}).page_key(env.get_template(template), variables, {})


def test_a_page_key_follows_its_article_and_not_the_menus_members_text(env, tmp_path):
    one, two = article(tmp_path, "one", "First."), article(tmp_path, "two", "Second.")
    menu = [(one.category, [one, two])]
    first = key(env, "article.html", article=one, categories=menu)
    assert key(env, "article.html", article=one, categories=menu) == first
    assert key(env, "article.html", article=two, categories=menu) != first

    (tmp_path / "two.md").write_text("Second, corrected.")  # a member's text: not shown
    os.utime(tmp_path / "two.md", ns=(1, 1))
    assert key(env, "article.html", article=one, categories=menu) == first
    assert key(env, "article.html", article=one, categories=[(one.category, [one])]) != first

    (tmp_path / "one.md").write_text("First, corrected.")
    os.utime(tmp_path / "one.md", ns=(2, 2))
    assert key(env, "article.html", article=one, categories=menu) != first


def test_a_template_chosen_while_rendering_is_drawn_every_time(env):
    assert key(env, "dynamic.html", choice="base.html") != key(
        env, "dynamic.html", choice="base.html"
    )
