"""WordPress import benchmark: a newsroom's export moved over, against its peers, in one run.

    .venv/bin/python bench/wordpress_import.py [--posts 10000] [--comments 100000] [--repeat 2]

Writes a WordPress export (WXR 1.2) of ``--posts`` posts in block-editor markup (captions,
galleries, a corrections block on a third, a "Source :" line on most) and ``--comments``
comments (threaded, some ten levels deep; approved, pending, spam and trashed; pingbacks),
then races, taking turns:

- `newsroom import wordpress` (articles, comments into SQLite) against Isso's WordPress
  import (comments only: what the comment systems that read WXR do), each from scratch;
- the build of the imported site (our settings, plugins and theme, with the imported
  comments) against vanilla Pelican on the same Markdown (its defaults, no plugins).

Prints wall and CPU time, peak memory (in one more run each, not timed) and ratios, and
the goals of issue 15: the import within 60 s and 300 MB. Every run's result is checked.
"""

from __future__ import annotations

import argparse
import html
import os
import random
import shutil
import sqlite3
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# bench/build.py: the same text, runs, races and machine line; bench/comments.py: Isso.
from bench.build import (
    PELICAN,
    ROOT,
    START,
    WORK,
    Contender,
    empty_trash,
    headline,
    machine,
    paragraph,
    race,
    throw_away,
)
from bench.comments import ISSO_VENV, install_isso

HERE = WORK / "import"
IMPORT_GOAL_S = 60.0
IMPORT_GOAL_MIB = 300 * 1000**2 / 1024**2  # 300 MB
NAMES = ["Ann", "Zoë Müller", "José Núñez", "Søren", "李雷", "Mallory", "Émile", "Reader"]
STATUSES = ["1"] * 85 + ["0"] * 5 + ["spam"] * 7 + ["trash"] * 3


def post_text(rng: random.Random, n: int) -> str:
    blocks = [
        f"<!-- wp:paragraph -->\n<p>{html.escape(paragraph(rng))}</p>\n<!-- /wp:paragraph -->"
        for _ in range(rng.randint(8, 16))
    ]
    if n % 4 == 0:
        blocks.insert(
            2,
            f'[caption id="attachment_{n}" align="alignnone" width="640"]<img '
            f'src="https://ledger.example/up/{n}.jpg" alt="" width="640" /> A photo '
            f"caption for post {n}[/caption]",
        )
    if n % 3 == 0:
        blocks.append(
            "<p><strong>Corrections &amp; Amplifications</strong><br>\nA previous version "
            f"of this article misstated a figure in post {n}. (March 3, 2024)</p>"
        )
    if n % 5:
        blocks.append(f'<p>Source : <a href="https://wire.example/{n}">Wire</a></p>')
    return "\n\n".join(blocks)


def comment_text(rng: random.Random) -> str:
    """As WordPress keeps a comment: the text as typed (one to three paragraphs), and in
    one comment of five some of the markup its form allows."""
    paragraphs = [
        " ".join(paragraph(rng).split()[: rng.randint(8, 60)]) for _ in range(rng.randint(1, 3))
    ]
    if rng.random() < 0.2:
        paragraphs[0] = f'<em>{paragraphs[0]}</em> (<a href="https://blog.example/">more</a>)'
    return "\n\n".join(paragraphs)


def comments_xml(rng: random.Random, post: int, first_id: int, count: int) -> str:
    parts = []
    for k in range(count):
        id = first_id + k
        # a reply a third of the time, to a recent comment of the post: threads go deep
        parent = first_id + rng.randrange(max(k - 3, 0), k) if k and rng.random() < 0.35 else 0
        kind = "pingback" if rng.random() < 0.01 else "comment"
        name = rng.choice(NAMES)
        text = comment_text(rng)
        parts.append(
            f"""
    <wp:comment>
      <wp:comment_id>{id}</wp:comment_id>
      <wp:comment_author><![CDATA[{name}]]></wp:comment_author>
      <wp:comment_author_email><![CDATA[r{id}@example.org]]></wp:comment_author_email>
      <wp:comment_author_url>{"https://blog.example/" if id % 7 == 0 else ""}</wp:comment_author_url>
      <wp:comment_author_IP><![CDATA[203.0.{id % 250}.{id % 199}]]></wp:comment_author_IP>
      <wp:comment_date_gmt><![CDATA[{START + timedelta(days=post // 10, minutes=k):%Y-%m-%d %H:%M:%S}]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[{text}]]></wp:comment_content>
      <wp:comment_approved><![CDATA[{rng.choice(STATUSES)}]]></wp:comment_approved>
      <wp:comment_type><![CDATA[{kind}]]></wp:comment_type>
      <wp:comment_parent>{parent}</wp:comment_parent>
    </wp:comment>"""  # noqa: E501
        )
    return "".join(parts)


def write_export(path: Path, posts: int, comments: int) -> None:
    """The export, written as WordPress writes it (CDATA, GMT dates, categories, tags)."""
    rng = random.Random(posts * 7 + comments)
    per_post = [comments // posts + (1 if n < comments % posts else 0) for n in range(posts)]
    next_id = 1
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
            'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            "<title>The Daily Ledger</title><link>https://ledger.example</link>\n"
            "<wp:wxr_version>1.2</wp:wxr_version>\n<wp:author><wp:author_login>ed"
            "</wp:author_login><wp:author_display_name><![CDATA[Édith Editor]]>"
            "</wp:author_display_name></wp:author>\n"
        )
        for n in range(posts):
            day = START + timedelta(hours=n * 3)
            title = headline(rng)
            slug = f"post-{n}"
            out.write(
                f"""<item>
  <title><![CDATA[{title}]]></title>
  <link>https://ledger.example/{day:%Y/%m/%d}/{slug}/</link>
  <dc:creator><![CDATA[ed]]></dc:creator>
  <content:encoded><![CDATA[{post_text(rng, n)}]]></content:encoded>
  <excerpt:encoded><![CDATA[]]></excerpt:encoded>
  <wp:post_id>{n + 1}</wp:post_id>
  <wp:post_date_gmt><![CDATA[{day:%Y-%m-%d %H:%M:%S}]]></wp:post_date_gmt>
  <wp:post_name><![CDATA[{slug}]]></wp:post_name>
  <wp:status><![CDATA[{"draft" if n % 50 == 49 else "publish"}]]></wp:status>
  <wp:post_type><![CDATA[post]]></wp:post_type>
  <category domain="category" nicename="world"><![CDATA[{["World", "Business", "Politics"][n % 3]}]]></category>
  <category domain="post_tag" nicename="t{n % 40}"><![CDATA[Tag {n % 40}]]></category>{comments_xml(rng, n, next_id, per_post[n])}
</item>
"""  # noqa: E501
            )
            next_id += per_post[n]
        out.write("</channel>\n</rss>\n")


def ours_import(export: Path, posts: int) -> Contender:
    root = HERE / "ours"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NEWSROOM_DATABASE_URL": f"sqlite:///{root / 'var' / 'comments.sqlite3'}",
    }
    command = [sys.executable, "-m", "newsroom.cli", "import", "wordpress", str(export)]

    def check(_output: Path) -> None:
        articles = len(list((root / "content").glob("*.md")))
        with sqlite3.connect(root / "var" / "comments.sqlite3") as db:
            stored = db.execute("SELECT COUNT(*) FROM comments").fetchone()[0]
        expected = posts - posts // 50
        if articles != expected or stored == 0:
            raise SystemExit(f"our import: {articles} articles (not {expected}), {stored} comments")

    return FromScratch("ours (newsroom import)", command, root, env, check)


def isso_import(export: Path) -> Contender:
    install_isso()
    root = HERE / "isso"
    config = root / "isso.cfg"
    command = [str(ISSO_VENV / "bin" / "isso"), "-c", str(config), "import", "-t", "wordpress"]

    def check(_output: Path) -> None:
        with sqlite3.connect(root / "var" / "isso.db") as db:
            stored = db.execute("SELECT COUNT(*) FROM comments").fetchone()[0]
        if stored == 0:
            raise SystemExit("Isso's import stored no comment")

    return FromScratch(
        "Isso (isso import)", [*command, str(export)], root, os.environ.copy(), check
    )


class FromScratch(Contender):
    """A contender that starts each run with an empty project (content/, var/)."""

    def run(self) -> None:
        self.reset()
        super().run()

    def measure_memory(self) -> None:
        self.reset()
        super().measure_memory()

    def reset(self) -> None:
        for folder in ("content", "var", "output"):
            throw_away(self.cwd / folder)
        (self.cwd / "content").mkdir(parents=True)
        (self.cwd / "var").mkdir()
        if "isso" in self.label:
            (self.cwd / "isso.cfg").write_text(
                f"[general]\ndbpath = {self.cwd / 'var' / 'isso.db'}\nhost = http://127.0.0.1/\n"
            )


def builds(imported: Path) -> tuple[Contender, Contender]:
    """Our build of the imported project, and vanilla Pelican's of the same Markdown."""
    ours = HERE / "site"
    throw_away(ours)
    ours.mkdir(parents=True)
    for name in ("pelicanconf.py", "plugins", "theme"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, ours / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, ours / name)
    shutil.copytree(imported / "content", ours / "content")
    shutil.copytree(imported / "var", ours / "var")
    (ours / "seeds").mkdir()
    vanilla = HERE / "vanilla"
    throw_away(vanilla)
    vanilla.mkdir(parents=True)
    shutil.copytree(imported / "content", vanilla / "content")
    (vanilla / "vanillaconf.py").write_text("# Pelican's defaults: its theme, no plugins.\n")
    articles = len(list((imported / "content").glob("*.md")))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NEWSROOM_DATABASE_URL": f"sqlite:///{ours / 'var' / 'comments.sqlite3'}",
    }

    def check_pages(output: Path) -> None:
        pages = sum(1 for _ in output.glob("articles/*/index.html")) or sum(
            1 for _ in output.glob("post-*.html")
        )
        if pages != articles:
            raise SystemExit(f"a build of {output.parent.name} wrote {pages} of {articles} pages")

    return (
        Contender("ours (make html)", [*PELICAN, "-s", "pelicanconf.py"], ours, env, check_pages),
        Contender(
            "vanilla Pelican",
            [*PELICAN, "content", "-o", "output", "-s", "vanillaconf.py"],
            vanilla,
            env,
            check_pages,
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each")
    args = parser.parse_args()
    print(machine(), flush=True)
    HERE.mkdir(parents=True, exist_ok=True)
    export = HERE / "export.xml"
    write_export(export, args.posts, args.comments)
    size = export.stat().st_size / 1024**2
    print(f"Export: {args.posts} posts, {args.comments} comments, {size:.0f} MiB", flush=True)
    try:
        ours, isso = ours_import(export, args.posts), isso_import(export)
        print("Import", flush=True)
        race([ours, isso], args.repeat, args.posts)
        print("Build of the imported site", flush=True)
        site, vanilla = builds(ours.cwd)
        race([site, vanilla], args.repeat, args.posts)
        report(ours, isso, site, vanilla)
    finally:
        empty_trash()


def report(ours: Contender, isso: Contender, site: Contender, vanilla: Contender) -> None:
    print()
    print("| run | ours s (best / median) | ours MiB | peer | peer s (best / median) | peer MiB "
          "| ratio best | ratio cpu |")  # fmt: skip
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for what, mine, peer in (("import", ours, isso), ("build of the imported site", site, vanilla)):
        print(
            f"| {what} | {mine.best:.1f} / {mine.median:.1f} | {mine.mib:.0f} | {peer.label} "
            f"| {peer.best:.1f} / {peer.median:.1f} | {peer.mib:.0f} "
            f"| {mine.best / peer.best:.2f} | {mine.cpu / peer.cpu:.2f} |"
        )
    print()
    met = ours.best <= IMPORT_GOAL_S and ours.mib <= IMPORT_GOAL_MIB
    print(
        f"Goal (issue 15): import ≤ {IMPORT_GOAL_S:.0f} s and ≤ 300 MB: "
        f"{ours.best:.1f} s, {ours.mib * 1024**2 / 1000**2:.0f} MB: {'met' if met else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
