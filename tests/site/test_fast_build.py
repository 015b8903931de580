"""A build on every core that keeps what did not change (issue 13), on real Pelican builds.

The same site built in one process and in three is the same, byte for byte, and the three
really drew pages; a rebuild after one article's text changed draws only what shows that
article, writes only the files whose bytes changed, and ends as a cold build of the changed
site would; a page that cannot be drawn in a worker names itself and its article's file.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime, timedelta
from functools import partial
from operator import attrgetter
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
from pelican.generators import ArticlesGenerator
from pelican.settings import DEFAULT_CONFIG

from newsroom.comments.store import open_store
from newsroom.comments.store.clock import now
from newsroom.site.listings import Members, by_year, linear_period_archives
from tests.support.comments import new
from tests.support.site import build, make_project

# 150 articles over three years: eight pages of the front page and of the category, three
# yearly archives, corrections on some; and one in Markdown with tags and an author.
SEEDS = {
    f"{n:03d}.txt": f"Date: {2022 + n // 50}-{n % 12 + 1:02d}-{n % 27 + 1:02d} 08:00\n"
    f"Story {n}\n\nThe summary of story {n}.\n\nThe body of story {n}, as reported.\n"
    + (f"\nCorrections & Amplifications\n\nA name misspelled: {n}.\n" if n % 7 == 0 else "")
    for n in range(150)
}  # fmt: skip
CONTENT = {
    "tagged.md": "Title: A tagged story\nDate: 2023-02-03\nTags: alpha, beta\n"
    "Author: Jo Reporter\nCategory: World\n\nBody text.\n"
}
THEME_FILES = {"theme/css/print.css", "theme/css/site.css", "theme/js/comments.js"}
# A plugin of the test's own: which process wrote each page.
PIDS_PLUGIN = """
import os
from pelican import signals

def note(path, context):
    with open(os.environ["PIDS_FILE"], "a") as file:
        file.write(f"{os.getpid()}\\n")

def register():
    signals.content_written.connect(note)
"""


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def times(folder: Path) -> dict[str, int]:
    return {
        path.relative_to(folder).as_posix(): path.stat().st_mtime_ns
        for path in folder.rglob("*")
        if path.is_file()
    }


@pytest.fixture
def project(tmp_path) -> tuple[Path, dict[str, str]]:
    """The site, a store with approved comments on three threads, and its environment."""
    root = make_project(tmp_path / "site", SEEDS, CONTENT)
    url = f"sqlite:///{root}/comments.sqlite3"
    store = open_store(url)
    store.migrate()
    for n, thread in enumerate(("story-1", "story-1", "story-120", "a-tagged-story")):
        created = now() - timedelta(hours=1) + timedelta(minutes=n)
        store.add(new(thread=thread, created=created, status="approved", author=f"Reader {n}"))
    store.close()
    env = {**os.environ, "NEWSROOM_DATABASE_URL": url, "PIDS_FILE": str(tmp_path / "pids")}
    env["NEWSROOM_BUILD_PROCESSES"] = "2"  # a big site's workers (by default a small one has none)
    return root, env


def cold_build(root: Path, env: dict, processes: str, args: list[str] | None = None):
    shutil.rmtree(root / "cache", ignore_errors=True)
    shutil.rmtree(root / "output", ignore_errors=True)
    return build(root, env={**env, "NEWSROOM_BUILD_PROCESSES": processes}, args=args)


def test_one_process_and_three_write_the_same_bytes(project):
    root, env = project
    (root / "plugins" / "pids.py").write_text(PIDS_PLUGIN)
    settings = root / "pelicanconf.py"
    add_plugin(settings, "pids")
    pids = Path(env["PIDS_FILE"])

    cold_build(root, env, "1")
    one = tree(root / "output")
    assert len(set(pids.read_text().split())) == 1
    pids.unlink()

    log = cold_build(root, env, "3", args=["-v"]).log
    three = tree(root / "output")
    writers = pids.read_text().split()
    assert len(set(writers)) == 3, "three processes drew the pages"
    assert len(writers) == sum(int(n) for n in re.findall(r"Pages: (\d+) drawn", log))
    assert sorted(one) == sorted(three)
    assert [name for name in one if one[name] != three[name]] == []
    assert b"Reader 2" in one["articles/story-120/index.html"]


def test_a_rebuild_after_one_article_changed_writes_only_what_changed(project):
    root, env = project
    build(root, env=env)
    before, written_at = tree(root / "output"), times(root / "output")
    seed = root / "seeds" / "042.txt"
    seed.write_text(seed.read_text().replace("The summary of story 42.", "A new summary for 42."))

    log = build(root, env=env, args=["-v"]).log
    after = tree(root / "output")
    rewritten = {name for name, at in times(root / "output").items() if written_at.get(name) != at}
    changed = {name for name in after if before.get(name) != after[name]}
    assert rewritten - changed == THEME_FILES  # Pelican copies the theme's own every time
    assert changed <= rewritten
    assert "articles/story-42/index.html" in changed
    assert any(name.startswith("category/news/") for name in changed), "its teaser changed"
    drawn = sum(int(n) for n in re.findall(r"Pages: (\d+) drawn", log))
    assert 0 < drawn <= 10, log

    cold_build(root, env, "2")
    assert tree(root / "output") == after


def test_a_rebuild_removes_what_it_no_longer_makes(project):
    root, env = project
    build(root, env=env)
    (root / "seeds" / "149.txt").unlink()  # a story taken down
    (root / "output" / "articles" / "story-149" / "comments.json").write_text("[]")  # a publish
    (root / "output" / "keep.txt").write_text("a file of the site's own")
    log = build(root, env=env, args=["-v", "--ignore-cache"]).log
    after = tree(root / "output")
    assert [name for name, data in after.items() if b"story-149" in data] == []
    assert "keep.txt" in after and "Removing" in log
    cold_build(root, env, "2")
    assert tree(root / "output") == {k: v for k, v in after.items() if k != "keep.txt"}


def test_a_link_planted_in_the_output_is_replaced_not_written_through(project, tmp_path):
    root, env = project
    build(root, env=env)
    outside = tmp_path / "outside.html"
    outside.write_text("not the site's")
    page = root / "output" / "articles" / "story-7" / "index.html"
    page.unlink()
    page.symlink_to(outside)
    build(root, env=env)
    assert outside.read_text() == "not the site's"
    assert not page.is_symlink() and "Story 7" in page.read_text()


def test_what_a_read_logs_is_logged_by_cold_builds_and_rebuilds_alike(project):
    root, env = project
    (root / "content" / "image.md").write_text(
        "Title: An image\nDate: 2023-01-02\n\n![](picture.png)\n"
    )
    warning = "Empty alt attribute for image picture.png"
    assert warning in cold_build(root, {**env, "COLUMNS": "500"}, "2").log
    (root / "content" / "image.md").write_text(
        "Title: An image\nDate: 2023-01-02\n\n![](picture.png)\n\nMore.\n"
    )  # its shard is made again in the build's own process
    assert warning in build(root, env={**env, "COLUMNS": "500"}).log


def test_an_article_that_cannot_be_pickled_is_left_to_pelican(project):
    root, env = project
    (root / "plugins" / "unpicklable.py").write_text(
        "from pelican import signals\n\n"
        "def give(content):\n"
        "    if content.source_path.endswith('007.txt'):\n"
        "        content.callback = lambda: None\n\n"
        "def register():\n"
        "    signals.content_object_init.connect(give)\n"
    )
    settings = root / "pelicanconf.py"
    add_plugin(settings, "unpicklable")
    page = root / "output" / "articles" / "story-7" / "index.html"
    cold_build(root, env, "2")
    assert "Story 7" in page.read_text()
    page.unlink()
    build(root, env=env)  # from the cache, which does not hold it: Pelican reads it again
    assert "Story 7" in page.read_text()


def test_a_page_that_cannot_be_drawn_names_itself_and_its_file(project):
    root, env = project
    (root / "theme" / "templates" / "broken.html").write_text("{{ article.title.no.such }}")
    (root / "content" / "broken.md").write_text(
        "Title: Broken\nDate: 2023-01-01\nTemplate: broken\n\nText.\n"
    )
    with pytest.raises(AssertionError) as failed:
        cold_build(root, {**env, "COLUMNS": "500"}, "2")  # the log's lines unwrapped
    assert "articles/broken/index.html (from " in str(failed.value)
    assert "content/broken.md" in str(failed.value)


def test_period_archives_found_in_one_pass_are_pelicans():
    start = datetime(2021, 1, 1)
    articles = [SimpleNamespace(date=start + timedelta(days=n * 13)) for n in range(300)]
    dates = sorted(articles, key=attrgetter("date"), reverse=True)
    settings = {
        **DEFAULT_CONFIG,
        "YEAR_ARCHIVE_SAVE_AS": "{date:%Y}/",
        "MONTH_ARCHIVE_SAVE_AS": "{date:%Y}/{date:%m}/",
        "DAY_ARCHIVE_SAVE_AS": "{date:%Y}/{date:%m}/{date:%d}/",
    }
    pelicans = partial(ArticlesGenerator._build_period_archives, None)
    expected = pelicans(dates, articles, settings)
    found = linear_period_archives(pelicans)(dates, articles, settings)
    assert found.keys() == expected.keys() == {"year", "month", "day"}
    for granularity, periods in expected.items():
        for mine, theirs in zip(found[granularity], periods, strict=True):
            assert [id(a) for a in mine.pop("articles")] == [id(a) for a in theirs.pop("articles")]
            assert mine == theirs


def test_by_year_groups_as_jinjas_groupby_reversed():
    start = datetime(2019, 12, 30)
    articles = [SimpleNamespace(date=start + timedelta(days=n * 29), n=n) for n in range(60)]
    shuffled = articles[::7] + articles[1::7] + articles[2::7] + articles[3::7] + articles[4::7]
    env = jinja2.Environment()
    env.filters["by_year"] = by_year
    template = (
        '{% for y, items in a|{} %}{{ y }}:{{ items|map(attribute="n")|join(",") }};{% endfor %}'
    )
    jinjas = env.from_string(template.replace("{}", 'groupby("date.year")|reverse'))
    ours = env.from_string(template.replace("{}", "by_year"))
    assert ours.render(a=shuffled) == jinjas.render(a=shuffled)
    assert ours.render(a=shuffled).startswith("2024:")


def test_members_answer_in_by_identity():
    one, two = SimpleNamespace(n=1), SimpleNamespace(n=1)
    members = Members([one])
    assert one in members and two not in members and members == [one]
    members.append(two)  # a list changed after: still right
    assert two in members


def test_seed_dates_are_read_as_pelican_reads_them():
    from pelican.utils import get_date

    from newsroom.site.seed_reader import _iso_date

    for text in ("2020-01-01", "2020-01-01 15:00", "2020-01-01T15:00:59", "1999-12-31 23:59:59"):
        fast, pelicans = _iso_date(text), get_date(text)
        assert (fast, type(fast)) == (pelicans, type(pelicans))
    others = ("2020-02-30", "2020-01-01 15:00+01:00", "Jan 5, 2020", "2020-1-1", "2020-01-01  9")
    for text in others:
        assert _iso_date(text) is None  # Pelican's to read (or to refuse, in its words)


def add_plugin(settings: Path, name: str) -> None:
    """The project's settings with one more plugin, last."""
    text = settings.read_text()
    listed = re.search(r"^PLUGINS = \[(.*)\]$", text, re.M)
    assert listed, "pelicanconf.py lists its plugins on one line"
    settings.write_text(text.replace(listed.group(0), f'PLUGINS = [{listed.group(1)}, "{name}"]'))
