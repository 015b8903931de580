"""Reading WordPress exports: what real exports hold, and what must be refused."""

from datetime import UTC, datetime

import pytest

from newsroom.importing import wordpress, wxr

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
  xmlns:excerpt="http://wordpress.org/export/{v}/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wfw="http://wellformedweb.org/CommentAPI/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:wp="http://wordpress.org/export/{v}/">
<channel>
  <title>The Daily Ledger</title>
  <link>https://ledger.example</link>
  <wp:wxr_version>{v}</wp:wxr_version>
  <wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[ed]]></wp:author_login>
    <wp:author_display_name><![CDATA[Édith Editor]]></wp:author_display_name></wp:author>
"""
ITEM = """
  <item>
    <title><![CDATA[Rates rise — again]]></title>
    <link>https://ledger.example/2024/03/rates-rise/</link>
    <dc:creator><![CDATA[ed]]></dc:creator>
    <content:encoded>CONTENT</content:encoded>
    <excerpt:encoded><![CDATA[The short of it.]]></excerpt:encoded>
    <wp:post_id>42</wp:post_id>
    <wp:post_date_gmt><![CDATA[2024-03-05 14:22:00]]></wp:post_date_gmt>
    <wp:post_modified_gmt><![CDATA[2024-03-06 09:00:00]]></wp:post_modified_gmt>
    <wp:post_name><![CDATA[rates-rise]]></wp:post_name>
    <wp:status><![CDATA[publish]]></wp:status>
    <wp:post_type><![CDATA[post]]></wp:post_type>
    <category domain="category" nicename="economy"><![CDATA[Economy]]></category>
    <category domain="post_tag" nicename="rates"><![CDATA[rates]]></category>
    <wp:comment>
      <wp:comment_id>7</wp:comment_id>
      <wp:comment_author><![CDATA[Ann]]></wp:comment_author>
      <wp:comment_author_email><![CDATA[]]></wp:comment_author_email>
      <wp:comment_author_url></wp:comment_author_url>
      <wp:comment_author_IP><![CDATA[203.0.113.9]]></wp:comment_author_IP>
      <wp:comment_date_gmt><![CDATA[2024-03-05 15:00:00]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[<em>Good</em> piece]]></wp:comment_content>
      <wp:comment_approved><![CDATA[1]]></wp:comment_approved>
      <wp:comment_type><![CDATA[comment]]></wp:comment_type>
      <wp:comment_parent>0</wp:comment_parent>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>8</wp:comment_id>
      <wp:comment_approved><![CDATA[spam]]></wp:comment_approved>
      <wp:comment_parent>7</wp:comment_parent>
      <wp:comment_date_gmt>0000-00-00 00:00:00</wp:comment_date_gmt>
    </wp:comment>
  </item>
"""
# WordPress writes "]]>" in a text as two CDATA sections: "]]" ends one, ">" starts the next.
CONTENT = (
    "<![CDATA[<!-- wp:paragraph --><p>Before ]]]]><![CDATA[> after, café.</p>"
    "<!-- /wp:paragraph -->]]>"
)
ITEM = ITEM.replace("CONTENT", CONTENT)
TAIL = "</channel>\n</rss>\n"


def export(tmp_path, text: str, name: str = "export.xml"):
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return str(path)


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_an_item_with_its_comments_in_every_version(tmp_path, version):
    channel = wxr.Channel()
    path = export(tmp_path, HEAD.format(v=version) + ITEM + TAIL)
    (item,) = wxr.read(path, channel)
    assert (channel.title, channel.link, channel.version) == (
        "The Daily Ledger", "https://ledger.example", version,
    )  # fmt: skip
    assert channel.authors == {"ed": "Édith Editor"}
    assert (item.id, item.slug, item.status) == (42, "rates-rise", "publish")
    assert item.post_type == "post"
    assert item.title == "Rates rise — again" and item.creator == "ed"
    assert item.content == (
        "<!-- wp:paragraph --><p>Before ]]> after, café.</p><!-- /wp:paragraph -->"
    )  # the CDATA section split around "]]>" is joined again
    assert item.excerpt == "The short of it."
    assert item.date_gmt == datetime(2024, 3, 5, 14, 22, tzinfo=UTC)
    assert (item.categories, item.tags) == (("Economy",), ("rates",))
    first, second = item.comments
    assert (first.id, first.parent, first.email, first.approved, first.ip) == (
        7, 0, "", "1", "203.0.113.9",
    )  # fmt: skip
    assert (second.parent, second.approved, second.date_gmt, second.author) == (7, "spam", None, "")


def test_control_characters_wordpress_let_through_are_read_as_spaces(tmp_path):
    item = ITEM.replace("The short of it.", "The\x0cshort\x01of it.").replace(
        '<category domain="post_tag" nicename="rates">', '<category domain="tag" nicename="rates">'
    )  # and WXR 1.0's "tag"
    (read,) = wxr.read(export(tmp_path, HEAD.format(v="1.0") + item + TAIL))
    assert read.excerpt == "The short of it." and read.tags == ("rates",)


def test_memory_stays_flat_as_items_are_read(tmp_path):
    path = export(tmp_path, HEAD.format(v="1.2") + ITEM * 300 + TAIL)
    holder = []
    for n, item in enumerate(wxr.read(path)):
        assert item.id == 42
        holder.append(n)
    assert len(holder) == 300


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("not xml at all", "line 1, column 0: not well-formed XML"),
        (HEAD.format(v="1.2") + ITEM[: len(ITEM) // 2], "line 30, column 6: not well-formed"),
        ('<?xml version="1.0"?><feed></feed>', "not a WordPress export (its root is <feed>)"),
        ('<?xml version="1.0"?><rss><channel><item/></channel></rss>', "no wp:wxr_version"),
        (
            '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
            "<rss><channel>&b;</channel></rss>",
            "refused",
        ),
    ],
)
def test_what_cannot_be_read_is_named_with_its_line(tmp_path, text, said):
    path = export(tmp_path, text)
    with pytest.raises(wxr.ExportError) as raised:
        list(wxr.read(path))
    assert str(raised.value).startswith(path) and said in str(raised.value)
    with pytest.raises(wxr.ExportError) as first:  # the import's quick first pass too
        wordpress._first_pass(path)
    assert str(first.value) == str(raised.value)
