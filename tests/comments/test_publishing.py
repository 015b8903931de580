"""The parts of publishing below a build: regions found by their exact slug and kind, and
a folder whose files are replaced whole."""

import os
import resource
import signal
import stat
import threading

import pytest

from newsroom.comments.model import PublishedComment
from newsroom.comments.publishing import comment_list, regions
from newsroom.comments.publishing.target import Folder, TargetError
from newsroom.comments.store.clock import now
from newsroom.comments.tree import CommentNode


def test_a_region_is_found_by_its_own_slug_and_kind_only():
    page = (
        regions.wrap("teaser", "ab", "<p>2 comments</p>")
        + regions.wrap("teaser", "b", "")
        + regions.wrap("archive", "b", " (1 comment)")
        + regions.wrap("thread", "b", "old list")
    ).encode()
    drawn, found = regions.replace(page, {"b": {"teaser": lambda old: "NEW", "archive": str.upper}})
    assert found == {"b": 2}  # "ab" is another slug; "thread" was not asked for
    assert drawn.decode() == (
        regions.wrap("teaser", "ab", "<p>2 comments</p>")
        + regions.wrap("teaser", "b", "NEW")
        + regions.wrap("archive", "b", " (1 COMMENT)")
        + regions.wrap("thread", "b", "old list")
    )


def test_many_slugs_are_redrawn_in_one_pass_as_a_few_are():
    slugs = [f"story-{n}" for n in range(3 * regions.FEW)] + ["é et <!--"]
    page = "".join(f"<li>{regions.wrap('archive', s, f'({n})')}</li>" for n, s in enumerate(slugs))
    for wanted in (slugs[:2], slugs):  # one search per slug; one pass over every marker
        drawers = {s: {"archive": lambda old: old + "!"} for s in wanted}
        drawn, found = regions.replace(page.encode(), drawers)
        assert found == dict.fromkeys(wanted, 1)
        assert drawn.decode().count(")!") == len(wanted)
        assert drawn.decode().replace(")!", ")") == page


def test_no_slug_can_end_a_marker_or_open_another():
    hostile = "x --><script>alert(1)</script><!--"
    marker = regions.start("teaser", hostile)
    assert marker.count("-->") == 1 and marker.endswith(" -->")
    assert "<script" not in marker and marker.count("<!--") == 1
    page = ("a" + regions.wrap("teaser", hostile, "old") + "b").encode()
    drawn, found = regions.replace(page, {hostile: {"teaser": lambda old: "new"}})
    assert (drawn.decode(), found) == (
        "a" + regions.wrap("teaser", hostile, "new") + "b",
        {hostile: 1},
    )


def test_no_comment_can_carry_a_marker_into_a_page():
    """A link whose address holds an end marker (an older nh3 kept "<" in attributes):
    drawn with "&lt;", which means the same in an attribute and ends no region."""
    stored = '<p><a href="https://a.example/<!--/comments-->">x</a></p>'
    node = CommentNode(PublishedComment(1, "t", None, "Ann", "", "x", stored, now(), False), 1)
    drawn = comment_list.render([node], "%Y", "/api/comments/form?parent=")
    assert regions.END not in drawn and "https://a.example/&lt;!--/comments-->" in drawn
    assert regions.wrap("thread", "t", drawn)
    with pytest.raises(regions.RegionError, match="holds a region marker"):
        regions.wrap("thread", "t", f"before {regions.END} after")


def test_a_region_without_its_end_is_an_error():
    with pytest.raises(regions.RegionError, match="no end"):
        regions.replace((regions.start("thread", "s") + "<ol>").encode(), {"s": {"thread": str}})


def test_a_reader_never_gets_half_a_file(tmp_path):
    folder = Folder(str(tmp_path))
    versions = [b"A" * 3_000_000, b"B" * 1_000]  # one long, one short: a torn read shows
    folder.write("page.html", versions[0])
    seen = set()
    writing = True

    def read_while_writing():
        while writing:
            with open(tmp_path / "page.html", "rb") as file:
                seen.add(file.read())

    reader = threading.Thread(target=read_while_writing)
    reader.start()
    for n in range(200):
        folder.write("page.html", versions[n % 2])
    writing = False
    reader.join()
    assert seen <= set(versions) and len(seen) == 2
    assert os.listdir(tmp_path) == ["page.html"]  # no temporary file left behind
    mode = stat.S_IMODE(os.stat(tmp_path / "page.html").st_mode)
    assert mode == 0o666 & ~_umask()  # readable by the web server, as the build's files


def test_a_failed_write_keeps_the_old_file_and_says_which(tmp_path):
    folder = Folder(str(tmp_path))
    folder.write("articles/a/index.html", b"old")
    # A full disk, as the process's file size limit makes one (root included).
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG, not a killed process
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, limits[1]))
    try:
        with pytest.raises(TargetError, match=r"cannot write articles/a/index\.html: File too"):
            folder.write("articles/a/index.html", b"new" * 1000)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)
    assert (tmp_path / "articles" / "a" / "index.html").read_bytes() == b"old"
    assert os.listdir(tmp_path / "articles" / "a") == ["index.html"]


def test_paths_stay_within_the_site(tmp_path):
    folder = Folder(str(tmp_path / "site"))
    for path in ("../outside.html", "/etc/passwd", "a//b", "a/./b"):
        with pytest.raises(TargetError, match="not a path within the site"):
            folder.write(path, b"x")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
