from datetime import date
from xml.etree import ElementTree

import pytest

from physiofit.blog.models import BlogPage, read_minutes
from tests.factories import make_post, publish

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize(("words", "minutes"), [(0, 1), (1, 1), (200, 1), (201, 2), (1000, 5)])
def test_read_minutes_at_200_words_a_minute(words, minutes):
    assert read_minutes(words) == minutes


def test_read_time_is_computed_from_the_body(site):
    post = make_post("Long read", date(2025, 1, 1), words=990)
    # 990 body words + title (2) + lead (3) = 995 words: 5 minutes.
    assert post.word_count == 995
    assert post.read_minutes == 5


def test_index_lists_newest_first_and_paginates(site, client):
    blog = site["blog"]
    blog.posts_per_page = 2
    blog.save_revision().publish()
    publish(blog, make_post("Older post", date(2024, 1, 1)))
    publish(blog, make_post("Newest post", date(2026, 1, 1)))
    first = client.get("/blog/").content.decode()
    assert first.index("Newest post") < first.index("First post")
    assert "Older post" not in first
    assert "Page 1 of 2" in first
    second = client.get("/blog/", {"page": 2}).content.decode()
    assert "Older post" in second
    # A page number out of range or malformed falls back to a real page, never an error.
    assert client.get("/blog/", {"page": "999"}).status_code == 200
    assert client.get("/blog/", {"page": "abc"}).status_code == 200


def test_post_page_shows_date_author_read_time_tags_and_back_link(site, client):
    content = client.get("/blog/first-post/").content.decode()
    assert "April 8, 2025" in content
    assert "Dana Example" in content
    assert "1 min read" in content
    assert 'href="/blog/tags/sciatica/"' in content
    assert "Back to blog" in content


def test_tag_archive_lists_only_tagged_posts(site, client):
    publish(site["blog"], make_post("Untagged post", date(2025, 5, 1)))
    content = client.get("/blog/tags/sciatica/").content.decode()
    assert "First post" in content
    assert "Untagged post" not in content
    assert client.get("/blog/tags/no-such-tag/").status_code == 404


def test_related_posts_share_tags_most_shared_first(site):
    blog = site["blog"]
    both = publish(blog, make_post("Shares both", date(2025, 1, 1), tags=["back pain", "sciatica"]))
    one = publish(blog, make_post("Shares one", date(2025, 6, 1), tags=["sciatica"]))
    publish(blog, make_post("Shares none", date(2025, 7, 1), tags=["knees"]))
    related = list(BlogPage.objects.get(pk=site["post"].pk).related_posts())
    assert related == [both, one]


def test_rss_feed_parses_and_lists_posts(site, client):
    response = client.get("/blog/feed/rss/")
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ElementTree.fromstring(response.content).find("channel")
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["First post"]
    assert items[0].findtext("link") == "http://testserver/blog/first-post/"
    assert {c.text for c in items[0].findall("category")} == {"back pain", "sciatica"}


def test_atom_feed_parses_and_lists_posts(site, client):
    response = client.get("/blog/feed/atom/")
    feed = ElementTree.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["First post"]
    assert feed.findtext(f"{ATOM}updated")
